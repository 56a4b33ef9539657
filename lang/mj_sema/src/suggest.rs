//! "Did you mean" suggestions by edit distance.

/// The closest candidate to `name`, if it is close enough to be a plausible typo.
pub fn did_you_mean<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<String> {
    let limit = (name.chars().count() / 3).max(1);
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        if c == name || c.starts_with("__") {
            continue;
        }
        let d = levenshtein(name, c);
        // On a tie prefer the longer name: a dropped letter is the commoner typo.
        let better = |(bd, bc): (usize, &str)| {
            d < bd || (d == bd && (c.len() > bc.len() || (c.len() == bc.len() && c < bc)))
        };
        if d <= limit && best.is_none_or(better) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c.to_string())
}

fn levenshtein(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::did_you_mean;

    #[test]
    fn suggests_close_names_only() {
        let c = ["counter", "count", "total"];
        assert_eq!(
            did_you_mean("countr", c.iter().copied()).as_deref(),
            Some("counter")
        );
        assert_eq!(did_you_mean("xyz", c.iter().copied()), None);
    }
}
