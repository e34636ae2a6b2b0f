//! "Did you mean …?" for names a user types: sources, tests, batteries. One rule for every
//! registry, so `rngaudit run chacha2O` and `--tests monobitt` suggest alike.

/// The candidate closest to `typed`, when it is close enough to be a likely typo: an optimal
/// string alignment distance (a transposition counts as one edit) of at most a third of the
/// longer name, and at least 1; ties go to the candidate listed first. Case is ignored, since a
/// wrong case is the commonest slip with names like `NonOverlappingTemplate`.
pub fn closest<'a>(typed: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let typed_lower = typed.to_lowercase();
    let mut best: Option<(usize, &'a str)> = None;
    for candidate in candidates {
        let distance = strsim::osa_distance(&typed_lower, &candidate.to_lowercase());
        let longer = typed.chars().count().max(candidate.chars().count());
        let allowed = (longer / 3).max(1);
        if distance <= allowed && best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, candidate)| candidate)
}

/// ` (did you mean 'x'?)` or nothing, for the end of an error message.
pub fn did_you_mean(suggestion: &Option<String>) -> String {
    match suggestion {
        Some(name) => format!("; did you mean '{name}'?"),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAMES: [&str; 4] = ["chacha8", "chacha20", "pcg32", "NonOverlappingTemplate"];

    #[test]
    fn typos_find_the_intended_name() {
        assert_eq!(closest("chacha2O", NAMES), Some("chacha20"));
        assert_eq!(closest("chacha", NAMES), Some("chacha8"));
        assert_eq!(closest("pgc32", NAMES), Some("pcg32"));
        assert_eq!(
            closest("nonoverlappingtemplate", NAMES),
            Some("NonOverlappingTemplate")
        );
    }

    #[test]
    fn unrelated_names_suggest_nothing() {
        assert_eq!(closest("mersenne", NAMES), None);
        assert_eq!(closest("x", NAMES), None);
        assert_eq!(closest("", NAMES), None);
    }

    #[test]
    fn the_hint_reads_as_a_sentence_end() {
        assert_eq!(
            did_you_mean(&Some("chacha20".into())),
            "; did you mean 'chacha20'?"
        );
        assert_eq!(did_you_mean(&None), "");
    }
}
