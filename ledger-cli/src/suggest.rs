//! "Did you mean …?" for a name, goal or commodity that is not in the ledger: the closest known
//! one, compared without regard to case (strsim's Jaro–Winkler similarity, and its
//! Damerau–Levenshtein distance, which catches a swapped pair in a short code: `UDS`, `USD`).

/// How alike two names must be to be suggested (Jaro–Winkler, 0 to 1).
const THRESHOLD: f64 = 0.85;

/// The known name closest to `typed`, if one is close enough: fewest edits first, then the
/// most alike.
pub fn closest<'a>(typed: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let typed = typed.to_lowercase();
    let long_enough = typed.chars().count() >= 3;
    known
        .into_iter()
        .map(|name| {
            let lower = name.to_lowercase();
            let edits = strsim::damerau_levenshtein(&typed, &lower);
            (edits, strsim::jaro_winkler(&typed, &lower), name)
        })
        .filter(|&(edits, alike, _)| alike >= THRESHOLD || (long_enough && edits <= 1))
        .min_by(|a, b| a.0.cmp(&b.0).then(b.1.total_cmp(&a.1)))
        .map(|(_, _, name)| name)
}

/// A known name that `typed` (a new name) is most likely a typo of: the same but for case, or
/// one edit away in a name of five characters or more, unless the difference is a short last
/// word (`Fund A` and `Fund B`, `Phase 1` and `Phase 2` are different names).
pub fn likely_typo<'a>(typed: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lower = typed.to_lowercase();
    let last_word = |s: &str| s.rsplit(' ').next().map(str::to_string);
    let numbered = |s: &str| s.chars().any(|c| c.is_ascii_digit());
    known.into_iter().find(|name| {
        let other = name.to_lowercase();
        if other == lower {
            return true;
        }
        // `Party 107` and `Party 137`, `Phase 2` and `Phase 3`: numbered names are different.
        if numbered(&lower) && numbered(&other) {
            return false;
        }
        let short_last_word_differs = lower.contains(' ')
            && last_word(&lower) != last_word(&other)
            && last_word(&lower).is_some_and(|w| w.chars().count() <= 2);
        lower.chars().count() >= 5
            && strsim::damerau_levenshtein(&lower, &other) <= 1
            && !short_last_word_differs
    })
}

/// `; did you mean 'NAME'?` for the closest known name, or nothing.
pub fn hint<'a>(typed: &str, known: impl IntoIterator<Item = &'a str>) -> String {
    closest(typed, known).map_or_else(String::new, |name| {
        format!("; did you mean '{}'?", crate::escape::escape(name))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_are_told_from_other_names() {
        let known = ["Germany", "Fund A", "Phase 1", "Norway"];
        assert_eq!(likely_typo("Germny", known), Some("Germany"));
        assert_eq!(likely_typo("germany", known), Some("Germany"));
        assert_eq!(likely_typo("Fund B", known), None);
        assert_eq!(likely_typo("Phase 2", known), None);
        assert_eq!(likely_typo("Sweden", known), None);
        assert_eq!(likely_typo("Nrway", known), Some("Norway"));
        assert_eq!(likely_typo("Party 137", ["Party 107"]), None);
    }

    #[test]
    fn suggests_the_closest_name_and_only_a_close_one() {
        let known = ["Germany", "Japan", "United States", "Gates Foundation"];
        assert_eq!(closest("Germny", known), Some("Germany"));
        assert_eq!(closest("gates foundation", known), Some("Gates Foundation"));
        assert_eq!(closest("japan", known), Some("Japan"));
        assert_eq!(closest("Kenya", known), None);
        assert_eq!(closest("UDS", ["EUR", "USD", "JPY"]), Some("USD"));
        assert_eq!(
            closest("XY", ["XZ"]),
            None,
            "two letters are too few to guess from"
        );
        assert_eq!(hint("Kenya", known), "");
        assert_eq!(hint("Japn", known), "; did you mean 'Japan'?");
    }
}
