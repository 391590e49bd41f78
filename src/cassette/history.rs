//! Which recorded conversations share a history, so the replayer can swap two of them when
//! concurrent clients arrive in another order than they were recorded in.

use super::format::Entry;

/// Whether two entries are the same, conversation labels aside.
fn same_entry(x: &Entry, y: &Entry) -> bool {
    match (x, y) {
        (
            Entry::C2s { turn, msg, .. },
            Entry::C2s {
                turn: turn_b,
                msg: msg_b,
                ..
            },
        )
        | (
            Entry::S2c { turn, msg, .. },
            Entry::S2c {
                turn: turn_b,
                msg: msg_b,
                ..
            },
        ) => turn == turn_b && msg == msg_b,
        (
            Entry::Effects { turn, effects, .. },
            Entry::Effects {
                turn: turn_b,
                effects: effects_b,
                ..
            },
        ) => turn == turn_b && effects == effects_b,
        (x, y) => x == y,
    }
}

/// For each history, `classes[i]` names its first `i + 1` entries: two histories have the same
/// class at `i` exactly when those entries are equal (labels aside). Histories are split into
/// groups one entry deeper at a time; a history alone in its group gets one last class and no
/// more, so the work stays proportional to what is really shared.
pub(super) fn prefix_classes(histories: &[&[(usize, Entry)]]) -> Vec<Vec<u32>> {
    let mut classes = vec![Vec::new(); histories.len()];
    let mut next = 0u32;
    let mut groups: Vec<Vec<usize>> = vec![(0..histories.len()).collect()];
    let mut depth = 0;
    while !groups.is_empty() {
        let mut refined = Vec::new();
        for group in groups {
            let mut parts: Vec<Vec<usize>> = Vec::new();
            for &c in &group {
                let Some((_, entry)) = histories[c].get(depth) else {
                    continue;
                };
                let same = parts
                    .iter_mut()
                    .find(|part| same_entry(&histories[part[0]][depth].1, entry));
                match same {
                    Some(part) => part.push(c),
                    None => parts.push(vec![c]),
                }
            }
            for part in parts {
                next += 1;
                for &c in &part {
                    classes[c].push(next);
                }
                if part.len() > 1 {
                    refined.push(part);
                }
            }
        }
        groups = refined;
        depth += 1;
    }
    classes
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn c2s(conv: &str, text: &str) -> (usize, Entry) {
        let msg = json!({"method": "turn/start", "params": {"text": text}});
        let conv = conv.to_owned();
        (
            0,
            Entry::C2s {
                conv,
                turn: Some(0),
                msg,
            },
        )
    }

    #[test]
    fn histories_share_a_class_exactly_as_long_as_their_entries_are_equal() {
        let a = [c2s("c1", "x"), c2s("c1", "y"), c2s("c1", "z")];
        let b = [c2s("c2", "x"), c2s("c2", "y"), c2s("c2", "other")];
        let c = [c2s("c3", "different")];
        let classes = prefix_classes(&[&a, &b, &c]);
        assert_eq!(
            classes[0][..2],
            classes[1][..2],
            "labels aside, a and b start alike"
        );
        assert_ne!(classes[0][2], classes[1][2], "they part at the third entry");
        assert_ne!(classes[2][0], classes[0][0]);
        assert!(classes[2].len() == 1 && classes[0].len() == 3);
    }
}
