//! Pages of a list: how many items, and where the next page starts.

use crate::error::{AppError, AppResult};

/// The most items one page holds, and how many when the request does not say.
const MAX_PAGE: u32 = 500;
const DEFAULT_PAGE: u32 = 50;

/// How many items a page holds: `limit`, within bounds, or the default.
pub fn page_size(limit: Option<u32>) -> AppResult<u32> {
    match limit {
        None => Ok(DEFAULT_PAGE),
        Some(limit @ 1..=MAX_PAGE) => Ok(limit),
        Some(_) => Err(AppError::InvalidInput(format!("limit must be from 1 to {MAX_PAGE}."))),
    }
}

/// Where the next page starts: after the last item, when this page is full.
pub fn next_cursor<T, C>(items: &[T], limit: u32, cursor: impl Fn(&T) -> C) -> Option<C> {
    if items.len() < limit as usize { None } else { items.last().map(cursor) }
}
