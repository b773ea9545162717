//! Server-side paging by cursor: "1–50 of 10,000" with Previous and Next.

use leptos::prelude::*;

use crate::locale::number;

/// "101–150 of 100,000" for a page at `start` (people before it) showing `shown`; "of more
/// than 2,500" where the server counted only so far (`at_least`).
pub fn seek_range_text(start: u64, shown: usize, total: u64, at_least: bool) -> String {
    let shown = u64::try_from(shown).unwrap_or(0);
    if shown == 0 {
        return format!("0 of {}", number(total));
    }
    if at_least {
        let (first, last) = (start + 1, start + shown);
        return if last > total {
            format!("{}–{}", number(first), number(last))
        } else {
            format!(
                "{}–{} of more than {}",
                number(first),
                number(last),
                number(total)
            )
        };
    }
    // Counted while paging: if people joined or left meanwhile, never show past the total.
    let last = (start + shown).min(total.max(shown));
    let first = last + 1 - shown;
    format!(
        "{}–{} of {}",
        number(first),
        number(last),
        number(total.max(last))
    )
}

/// Previous and Next of a list the server pages by cursor: each button carries the server's
/// cursor of that page (none where there is no such page).
#[component]
pub fn SeekPager(
    /// People before this page.
    start: u64,
    /// People on this page.
    shown: usize,
    /// People matching (all pages).
    total: u64,
    /// More match than `total` (counted only so far).
    total_at_least: bool,
    previous: Option<String>,
    next: Option<String>,
    /// Shows another page: `None` is the first page.
    on_page: Callback<Option<String>>,
    /// What the pages are of ("People"), naming the navigation landmark.
    label: &'static str,
) -> impl IntoView {
    let has_previous = previous.is_some();
    let has_next = next.is_some();
    // A page just after the first has no earlier cursor worth keeping in the address.
    let previous = if start <= u64::try_from(shown).unwrap_or(0) {
        None
    } else {
        previous
    };
    view! {
        <nav class="pager" aria-label=format!("{label} pages")>
            <span class="pager-range" aria-live="polite" data-test="pager-range">
                {seek_range_text(start, shown, total, total_at_least)}
            </span>
            <button type="button" class="button small" disabled=!has_previous data-test="pager-previous"
                on:click=move |_| on_page.run(previous.clone())>"Previous"</button>
            <button type="button" class="button small" disabled=!has_next data-test="pager-next"
                on:click=move |_| on_page.run(next.clone())>"Next"</button>
        </nav>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_found_by_cursor_reads_like_a_numbered_one() {
        assert_eq!(seek_range_text(0, 50, 100_000, false), "1–50 of 100,000");
        assert_eq!(
            seek_range_text(99_950, 50, 100_000, false),
            "99,951–100,000 of 100,000"
        );
        assert_eq!(seek_range_text(0, 0, 0, false), "0 of 0");
        // People left since: the range stays within what is shown.
        assert_eq!(seek_range_text(100, 20, 110, false), "91–110 of 110");
        // Counted only so far.
        assert_eq!(
            seek_range_text(0, 50, 2_500, true),
            "1–50 of more than 2,500"
        );
        assert_eq!(seek_range_text(2_500, 50, 2_500, true), "2,501–2,550");
    }
}
