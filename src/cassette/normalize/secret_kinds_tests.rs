//! One positive and one near-miss case per built-in kind. Secrets are assembled at run time so
//! this file holds no literal that a scanner would flag.

use super::*;
use rstest::rstest;

/// `text` with every hit replaced by `[name]`-less `{{redacted}}`.
fn redacted(text: &str) -> String {
    let mut out = String::new();
    let mut at = 0;
    for hit in find(text, &[]) {
        out.push_str(&text[at..hit.range.start]);
        out.push_str("{{redacted}}");
        at = hit.range.end;
    }
    out.push_str(&text[at..]);
    out
}

fn what(text: &str) -> Vec<String> {
    find(text, &[]).into_iter().map(|h| h.what).collect()
}

fn rep(part: &str, n: usize) -> String {
    part.repeat(n)
}

#[rstest]
#[case::pem_block(format!("-----BEGIN RSA PRIVATE KEY-----\n{}\n-----END RSA PRIVATE KEY-----", rep("MIIEow", 12)), "private key block")]
#[case::pem_cut_off(format!("-----BEGIN OPENSSH PRIVATE KEY-----\n{}", rep("b3BlbnNz", 4)), "private key block")]
#[case::anthropic(format!("sk-ant-api03-{}AA", rep("Xy9_", 10)), "Anthropic")]
#[case::openai_project(format!("sk-proj-{}", rep("Ab3d", 8)), "OpenAI")]
#[case::openai_classic(format!("sk-{}", rep("Ab3d", 8)), "OpenAI")]
#[case::aws_access_key(format!("AKIA{}", rep("IOSF0DNN", 2)), "AWS access key id")]
#[case::aws_session_key(format!("ASIA{}", rep("Z2Q4", 4)), "AWS access key id")]
#[case::aws_secret_env(format!("AWS_SECRET_ACCESS_KEY={}", rep("wJalrXUt/K+M", 4)[..40].to_owned()), "AWS secret")]
#[case::aws_secret_ini(format!("aws_secret_access_key = {}", rep("wJalrXUt", 5)), "AWS secret")]
#[case::aws_secret_json(format!("\"SecretAccessKey\": \"{}\"", rep("wJalrXUt", 5)), "AWS secret")]
#[case::github_classic(format!("ghp_{}", rep("a1B2", 9)), "GitHub token")]
#[case::github_oauth(format!("gho_{}", rep("a1B2", 9)), "GitHub token")]
#[case::github_user_to_server(format!("ghu_{}", rep("a1B2", 9)), "GitHub token")]
#[case::github_server_to_server(format!("ghs_{}", rep("a1B2", 9)), "GitHub token")]
#[case::github_refresh(format!("ghr_{}", rep("a1B2", 9)), "GitHub token")]
#[case::github_fine_grained(format!("github_pat_{}_{}", rep("11AB", 5), rep("cD3e", 15)), "fine-grained")]
#[case::gitlab(format!("glpat-{}", rep("x_Y-", 5)), "GitLab")]
#[case::slack_bot(format!("xoxb-{}-{}-{}", rep("1", 12), rep("2", 12), rep("aB", 12)), "Slack")]
#[case::slack_user(format!("xoxp-{}-{}", rep("1", 12), rep("aB", 12)), "Slack")]
#[case::slack_legacy(format!("xoxa-2-{}", rep("aB", 12)), "Slack")]
#[case::slack_app(format!("xapp-1-A{}-{}-{}", rep("B", 10), rep("3", 13), rep("f0", 20)), "Slack")]
#[case::google(format!("AIza{}", rep("Sy_9", 9)[..35].to_owned()), "Google")]
#[case::stripe_live(format!("sk_live_{}", rep("4eC3", 6)), "Stripe")]
#[case::stripe_restricted(format!("rk_live_{}", rep("4eC3", 6)), "Stripe")]
#[case::stripe_test(format!("sk_test_{}", rep("4eC3", 6)), "Stripe")]
#[case::jwt(format!("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.{}", rep("sig_", 8)), "JSON Web Token")]
#[case::bearer(format!("Authorization: Bearer {}", rep("t0k.", 4)), "bearer")]
#[case::basic(format!("Authorization: Basic {}", rep("dXNl", 4)), "basic authorization")]
fn each_kind_is_found_and_redacted(#[case] secret: String, #[case] kind: &str) {
    let text = format!("before {secret} after");
    let found = what(&text);
    assert!(
        found.len() == 1 && found[0].contains(kind),
        "{kind}: {found:?} in {text}"
    );
    let out = redacted(&text);
    assert!(
        out.starts_with("before ") && out.ends_with(" after") && out.contains("{{redacted}}"),
        "{out}"
    );
}

#[rstest]
#[case::task_ids("task-sk-1 and sk-short and sk-ant-tiny")]
#[case::key_inside_a_word("mask-ABCDEFGHIJKLMNOPQRSTUVWX")]
#[case::pem_public_key(
    "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8A\n-----END PUBLIC KEY-----"
)]
#[case::aws_short("AKIA1234 and ASIAshort")]
#[case::aws_secret_too_short("aws_secret_access_key = tooShort123")]
#[case::aws_forty_chars_without_a_name("sha1 0123456789abcdef0123456789abcdef01234567")]
#[case::github_short("ghp_short and gho_1234")]
#[case::github_fine_grained_short("github_pat_short")]
#[case::gitlab_short("glpat-abc")]
#[case::slack_short("xoxb-123 and xapp-1")]
#[case::google_short("AIzaShort")]
#[case::stripe_publishable("pk_live_4eC39HqLyjWDarjtT1zdp7dc and sk_live_ab")]
#[case::jwt_short("eyJ and eyJhbGci")]
#[case::bearer_prose("the bearer token and Bearer short")]
#[case::basic_prose("Basic usage: authorization is basic here")]
fn near_misses_are_left_alone(#[case] text: &str) {
    assert_eq!(what(text), Vec::<String>::new(), "{text}");
}

#[test]
fn a_bearer_token_keeps_no_fragment_of_its_core_outside_the_hit() {
    let text = "curl -H 'Authorization: Bearer abcdefghijk12345'";
    let hits = find(text, &[]);
    assert_eq!(hits.len(), 1);
    assert_eq!(&text[hits[0].core.clone()], "abcdefghijk12345");
    assert_eq!(&text[hits[0].range.clone()], "Bearer abcdefghijk12345");
}

#[test]
fn a_user_pattern_is_a_named_rule_too() {
    let extra = [crate::cassette::RedactRule::new("ticket-token", r"TKT-[0-9]{6}").unwrap()];
    let hits = find("see TKT-123456 now", &extra);
    assert_eq!(hits.len(), 1);
    assert!(hits[0].what.contains("ticket-token"), "{:?}", hits[0]);
}

#[test]
fn an_anthropic_key_is_named_as_one_not_as_an_openai_key() {
    let key = format!("sk-ant-api03-{}", rep("Q", 40));
    assert_eq!(what(&key), vec!["an Anthropic `sk-ant-` key".to_owned()]);
}

#[test]
fn a_key_after_an_assignment_or_a_quote_is_found() {
    for text in [
        format!(
            "ANTHROPIC_API_KEY={}",
            format_args!("sk-ant-api03-{}", rep("Q", 40))
        ),
        format!("export OPENAI_API_KEY='sk-proj-{}'", rep("Ab3d", 8)),
        format!("url?token=sk-{}", rep("Ab3d", 8)),
    ] {
        assert_eq!(find(&text, &[]).len(), 1, "{text}");
    }
}
