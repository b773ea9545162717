//! Server-side paging: "1–50 of 10,000" with Previous and Next.

use leptos::prelude::*;

use crate::locale::number;

/// "1–50 of 10,000" (or "0 of 0" for nothing), grouped as the person's language groups digits.
pub fn range_text(page: u32, per_page: u32, total: u64) -> String {
    if total == 0 {
        return "0 of 0".into();
    }
    let first = u64::from(page.saturating_sub(1)) * u64::from(per_page) + 1;
    let last = (first + u64::from(per_page) - 1).min(total);
    format!("{}–{} of {}", number(first), number(last), number(total))
}

#[component]
pub fn Pager(
    /// The page shown, 1-based.
    #[prop(into)]
    page: Signal<u32>,
    /// Rows per page.
    #[prop(into)]
    per_page: Signal<u32>,
    /// Rows matching (all pages).
    #[prop(into)]
    total: Signal<u64>,
    /// Shows another page.
    on_page: Callback<u32>,
    /// What the pages are of ("People", "Audit log"), naming the navigation landmark.
    label: &'static str,
) -> impl IntoView {
    let last_page = move || {
        let per = u64::from(per_page.get().max(1));
        total.get().div_ceil(per).max(1)
    };
    view! {
        <nav class="pager" aria-label=format!("{label} pages")>
            <span class="pager-range" aria-live="polite" data-test="pager-range">
                {move || range_text(page.get(), per_page.get(), total.get())}
            </span>
            <button type="button" class="button small" disabled={move || page.get() <= 1}
                on:click=move |_| on_page.run(page.get_untracked().saturating_sub(1).max(1))>"Previous"</button>
            <button type="button" class="button small" disabled={move || u64::from(page.get()) >= last_page()}
                on:click=move |_| on_page.run(page.get_untracked() + 1) data-test="pager-next">"Next"</button>
        </nav>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_read_like_people_write_them() {
        assert_eq!(range_text(1, 50, 10_000), "1–50 of 10,000");
        assert_eq!(range_text(3, 50, 120), "101–120 of 120");
        assert_eq!(range_text(1, 50, 0), "0 of 0");
    }
}
