//! Which recorded conversations share a history, so the replayer can swap two of them when
//! concurrent clients arrive in another order than they were recorded in.

/// For each history, a class id per prefix length: two histories have the same id at position
/// `i` exactly when their first `i + 1` entries are the `same`.
pub(super) fn prefix_classes<T>(
    histories: &[&[(usize, T)]],
    same: impl Fn(&T, &T) -> bool,
) -> Vec<Vec<u32>> {
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
                    .find(|part| same(&histories[part[0]][depth].1, entry));
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
    use crate::cassette::app_server::replay::conversation::{Source, Step};
    use serde_json::json;

    /// A client line (conversation labels are not part of a step).
    fn c2s(text: &str) -> (usize, Step) {
        let msg = json!({"method": "turn/start", "params": {"text": text}});
        (0, Step::Client { turn: Some(0), msg })
    }

    #[test]
    fn histories_share_a_class_exactly_as_long_as_their_entries_are_equal() {
        let a = [c2s("x"), c2s("y"), c2s("z")];
        let b = [c2s("x"), c2s("y"), c2s("other")];
        let c = [c2s("different")];
        let classes = prefix_classes(&[&a, &b, &c], |x, y| x.same(y, &Source::default()));
        assert_eq!(classes[0][..2], classes[1][..2], "a and b start alike");
        assert_ne!(classes[0][2], classes[1][2], "they part at the third entry");
        assert_ne!(classes[2][0], classes[0][0]);
        assert!(classes[2].len() == 1 && classes[0].len() == 3);
    }
}
