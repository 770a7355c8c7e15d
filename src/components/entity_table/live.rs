//! Keeping a row's text cells current with one effect for the whole row.
//!
//! A text cell is rendered once as plain text. A reactive closure per cell would cost a render
//! effect each (an owner, a subscription and a spawned task), and those dominate the first
//! render of a large table; one effect per row reads the row's entity and rewrites a cell's
//! text node only where the text changed, so an update touches the DOM exactly as much as
//! per-cell closures did.

use std::sync::Arc;

use leptos::prelude::*;

use crate::entity::Entity;

/// A text column of one row: where it stands, how its text is made, and the text shown now.
pub(super) struct TextCell<E> {
    /// The column's index among the kind's cells.
    pub index: usize,
    pub text: Arc<dyn Fn(&E) -> String + Send + Sync>,
    pub shown: String,
}

/// A text cell being kept current: its text node is looked up at its first change (most rows
/// never change) and kept, so a change costs one DOM call.
struct LiveCell<E> {
    cell: TextCell<E>,
    node: Option<web_sys::Node>,
}

/// Starts keeping a row's text cells current, given the row's element and how many cells the
/// table puts before the kind's cells (a selection box). Called once, when the row is built.
pub(super) type LiveRow = Box<dyn FnOnce(web_sys::Element, usize) + Send>;

/// The live part of a row showing `entity`, whose text cells show `cells` now.
pub(super) fn row<E: Entity>(entity: ArcReadSignal<Option<E>>, cells: Vec<TextCell<E>>) -> LiveRow {
    Box::new(move |tr, skip| {
        let mut cells: Vec<LiveCell<E>> = cells
            .into_iter()
            .map(|cell| LiveCell { cell, node: None })
            .collect();
        let effect = RenderEffect::new(move |_: Option<()>| {
            entity.with(|current| {
                for live in &mut cells {
                    let cell = &mut live.cell;
                    let text = current.as_ref().map(|e| (cell.text)(e)).unwrap_or_default();
                    if text != cell.shown {
                        if live.node.is_none() {
                            live.node = text_node(&tr, skip + cell.index);
                        }
                        if let Some(node) = &live.node {
                            node.set_node_value(Some(&text));
                        }
                        cell.shown = text;
                    }
                }
            });
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
