//! Keeping a row's text cells current with one effect for the whole row.
//!
//! A text cell is rendered once as plain text. A reactive closure per cell would cost a render
//! effect each (an owner, a subscription and a spawned task), and those dominate the first
//! render of a large table; one effect per row reads the row's texts and rewrites a cell's
//! text node only where its text changed, so an update touches the DOM exactly as much as
//! per-cell closures did. Nothing here knows the kind: it is compiled once.

use leptos::prelude::*;

/// The row's texts now, one per text cell, in their order (reading the row's entity, which
/// the effect thereby follows).
pub(super) type Texts = Box<dyn Fn() -> Vec<String> + Send>;

/// Starts keeping a row's text cells current, given the row's element and how many cells the
/// table puts before the kind's cells (a selection box). Called once, when the row is built.
pub(super) type LiveRow = Box<dyn FnOnce(web_sys::Element, usize) + Send>;

/// A text cell being kept current: its text node is looked up at its first change (most rows
/// never change) and kept, so a change costs one DOM call.
struct LiveCell {
    /// The column's index among the kind's cells.
    index: usize,
    shown: String,
    node: Option<web_sys::Node>,
}

/// The live part of a row whose text cells stand at `indexes` and show `shown` now.
pub(super) fn row(indexes: Vec<usize>, shown: Vec<String>, texts: Texts) -> LiveRow {
    Box::new(move |tr, skip| {
        let mut cells: Vec<LiveCell> = indexes
            .into_iter()
            .zip(shown)
            .map(|(index, shown)| LiveCell {
                index,
                shown,
                node: None,
            })
            .collect();
        let effect = RenderEffect::new(move |_: Option<()>| {
            for (cell, text) in cells.iter_mut().zip(texts()) {
                if text != cell.shown {
                    if cell.node.is_none() {
                        cell.node = text_node(&tr, skip + cell.index);
                    }
                    if let Some(node) = &cell.node {
                        node.set_node_value(Some(&text));
                    }
                    cell.shown = text;
                }
            }
        });
        // The row's owner ends with the row: so does the effect.
        on_cleanup(move || drop(effect));
    })
}

/// The text node of the `position`th cell of `tr` (made when the cell has none).
fn text_node(tr: &web_sys::Element, position: usize) -> Option<web_sys::Node> {
    let mut cell = tr.first_element_child();
    for _ in 0..position {
        cell = cell.and_then(|c| c.next_element_sibling());
    }
    let cell = cell?;
    if cell.first_child().is_none() {
        cell.set_text_content(Some(""));
    }
    cell.first_child()
}
