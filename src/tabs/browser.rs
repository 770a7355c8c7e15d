//! The coordinator in the browser: the lock, the channel, the leader's relay and a follower's
//! apply.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;

use leptos::prelude::*;
use send_wrapper::SendWrapper;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{AbortController, BroadcastChannel, MessageEvent};

use super::lock::{exclusive, lock_manager, LockManager};
use super::wire::{Question, Wire};
use super::{lock_name, Shared, TabRole};
use crate::farm::DataFarm;
use crate::query::ListQuery;
use crate::realtime::relay::{self, Relayed};
use crate::realtime::{ConnectionState, Counters, RealtimeConfig, RealtimeHandle};
use crate::store::port::PeerCache;
use crate::store::AnyStore;
use futures_channel::oneshot;
use futures_util::future::LocalBoxFuture;

struct Coordinator {
    farm: DataFarm,
    lock: String,
    user_id: String,
    team_ids: Vec<String>,
    config: RealtimeConfig,
    locks: LockManager,
    channel: BroadcastChannel,
    abort: RefCell<AbortController>,
    role: ArcRwSignal<TabRole>,
    state: ArcRwSignal<ConnectionState>,
    counters: ArcRwSignal<Counters>,
    positions: ArcRwSignal<data_farm_protocol::Positions>,
    /// The connection, while this tab leads.
    leading: RefCell<Option<RealtimeHandle>>,
    /// Resolves the promise that keeps the lock held.
    release: RefCell<Option<js_sys::Function>>,
    stopped: Cell<bool>,
    /// Keeps the channel's and the lock's callbacks alive.
    callbacks: RefCell<Vec<Box<dyn std::any::Any>>>,
    /// This tab's name on the channel (answers to its questions carry it).
    me: u32,
    /// Questions asked of the leader, by number, waiting for its answer.
    asked: RefCell<std::collections::HashMap<u64, oneshot::Sender<Option<String>>>>,
    next_question: Cell<u64>,
}

/// How long a follower waits for the leader's answer before it fetches from the server.
const ANSWER_WITHIN_MS: u32 = 250;

/// What the stores of a follower ask before fetching: the coordinator, as their peer cache.
struct Peer(SendWrapper<Rc<Coordinator>>);

impl PeerCache for Peer {
    fn list(
        &self,
        kind: &'static str,
        query: &ListQuery,
    ) -> LocalBoxFuture<'static, Option<String>> {
        self.0.ask(kind, Question::List(query.clone()))
    }

    fn record(&self, kind: &'static str, id: &str) -> LocalBoxFuture<'static, Option<String>> {
        self.0.ask(kind, Question::Record(id.to_owned()))
    }
}

/// Points every store of `farm` at `peer` before the server (`None`: the server only).
fn set_peers(farm: &DataFarm, peer: Option<Arc<dyn PeerCache>>) {
    for kind in farm.kinds() {
        if let Some(store) = farm.core_of_kind(kind) {
            store.set_peer(peer.clone());
        }
    }
}

/// Starts the coordinator, or a connection of this tab's own when the browser cannot share.
pub(super) fn start(
    farm: &DataFarm,
    name: &str,
    user_id: &str,
    team_ids: Vec<String>,
    config: RealtimeConfig,
) -> Shared {
    let lock = lock_name(name, user_id);
    let shared = lock_manager().and_then(|locks| {
        let channel = BroadcastChannel::new(&lock).ok()?;
        let abort = AbortController::new().ok()?;
        Some((locks, channel, abort))
    });
    let Some((locks, channel, abort)) = shared else {
        return Shared::alone(farm, user_id, team_ids, config);
    };
    let this = Rc::new(Coordinator {
        farm: farm.clone(),
        lock,
        user_id: user_id.to_owned(),
        team_ids,
        config,
        locks,
        channel,
        abort: RefCell::new(abort),
        role: ArcRwSignal::new(TabRole::Follower),
        state: ArcRwSignal::new(ConnectionState::Connecting),
        counters: ArcRwSignal::new(Counters::default()),
        positions: ArcRwSignal::new(Default::default()),
        leading: RefCell::new(None),
        release: RefCell::new(None),
        stopped: Cell::new(false),
        callbacks: RefCell::new(Vec::new()),
        // A random name for this tab on the channel.
        me: farm.environment().random(),
        asked: RefCell::new(std::collections::HashMap::new()),
        next_question: Cell::new(0),
    });
    let peer: Arc<dyn PeerCache> = Arc::new(Peer(SendWrapper::new(Rc::clone(&this))));
    set_peers(farm, Some(peer));
    this.listen();
    #[cfg(feature = "persist")]
    if let Some(persistence) = farm.persistence() {
        let announcer = SendWrapper::new(Rc::clone(&this));
        persistence.on_outbox_change(move || announcer.post(&Wire::OutboxChanged));
    }
    this.post(&Wire::Hello);
    this.request_lock();
    let realtime = RealtimeHandle::new(
        this.state.read_only(),
        this.counters.read_only(),
        this.positions.read_only(),
        {
            let this = SendWrapper::new(Rc::clone(&this));
            Arc::new(move || this.stop())
        },
        {
            let this = SendWrapper::new(Rc::clone(&this));
            Arc::new(move |text: &str| {
                if let Some(handle) = &*this.leading.borrow() {
                    handle.deliver(text);
                }
            })
        },
    );
    Shared {
        realtime,
        role: this.role.read_only(),
    }
}

impl Coordinator {
    fn post(&self, message: &Wire) {
        let _ = self
            .channel
            .post_message(&JsValue::from_str(&message.encode()));
    }

    fn listen(self: &Rc<Self>) {
        let this = Rc::clone(self);
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            if let Some(message) = event.data().as_string().as_deref().and_then(Wire::decode) {
                this.received(message);
            }
        });
        self.channel
            .set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        self.callbacks.borrow_mut().push(Box::new(on_message));
    }

    fn received(&self, message: Wire) {
        if self.stopped.get() {
            return;
        }
        let leader = self.role.get_untracked() == TabRole::Leader;
        match message {
            Wire::Hello if leader => self.post(&Wire::Relay {
                relayed: self.state_now(),
            }),
            // Another tab queued, sent or resolved something: look at the shared outbox again
            // (the leader takes in what to send; a follower drops what was sent).
            Wire::OutboxChanged => self.reconcile(),
            Wire::Relay { relayed } if !leader => self.follow(relayed),
            Wire::Ask {
                from,
                id,
                kind,
                question,
            } if leader => self.answer(from, id, &kind, question),
            Wire::Answer { to, id, value } if to == self.me => {
                if let Some(waiting) = self.asked.borrow_mut().remove(&id) {
                    let _ = waiting.send(value);
                }
            }
            _ => {}
        }
    }

    fn reconcile(&self) {
        #[cfg(feature = "persist")]
        if let Some(persistence) = self.farm.persistence() {
            leptos::task::spawn_local(async move { persistence.reconcile_outbox().await });
        }
    }

    /// The leader answers from its cache while its connection keeps that cache exact.
    fn answer(&self, to: u32, id: u64, kind: &str, question: Question) {
        let live = self.state.get_untracked() == ConnectionState::Live;
        let value =
            self.farm
                .core_of_kind(kind)
                .filter(|_| live)
                .and_then(|store| match &question {
                    Question::List(query) => store.fresh_page_json(query),
                    Question::Record(id) => store.fresh_record_json(id),
                });
        self.post(&Wire::Answer { to, id, value });
    }

    /// A follower asks the leader for a fresh answer; `None` (fetch from the server) when
    /// this tab leads, the leader has no fresh answer, or none comes in time.
    fn ask(&self, kind: &str, question: Question) -> LocalBoxFuture<'static, Option<String>> {
        // Asked whatever this tab last heard of the leader's connection (at start it has
        // heard nothing yet): the leader answers only while its own connection is live.
        let following = self.role.get_untracked() == TabRole::Follower && !self.stopped.get();
        if !following {
            return Box::pin(std::future::ready(None));
        }
        let id = self.next_question.get() + 1;
        self.next_question.set(id);
        let (tx, rx) = oneshot::channel();
        self.asked.borrow_mut().insert(id, tx);
        self.post(&Wire::Ask {
            from: self.me,
            id,
            kind: kind.to_owned(),
            question,
        });
        Box::pin(async move {
            let timeout = gloo_timers::future::TimeoutFuture::new(ANSWER_WITHIN_MS);
            match futures_util::future::select(rx, timeout).await {
                futures_util::future::Either::Left((Ok(answer), _)) => answer,
                _ => None,
            }
        })
    }

    /// A follower takes in what the leader relayed.
    fn follow(&self, relayed: Relayed) {
        match relayed {
            Relayed::State {
                state,
                counters,
                positions,
            } => {
                self.state.set(state);
                self.counters.set(counters);
                self.positions.set(positions);
            }
            other => relay::apply(&self.farm, &other),
        }
    }

    fn state_now(&self) -> Relayed {
        Relayed::State {
            state: self.state.get_untracked(),
            counters: self.counters.get_untracked(),
            positions: self.positions.get_untracked(),
        }
    }

    /// Queues for the lock; the callback runs when this tab is granted it.
    fn request_lock(self: &Rc<Self>) {
        let this = Rc::clone(self);
        let granted = Closure::<dyn FnMut(JsValue) -> js_sys::Promise>::new(move |_lock| {
            let held = js_sys::Promise::new(&mut |resolve, _reject| {
                *this.release.borrow_mut() = Some(resolve);
            });
            this.lead();
            held
        });
        let signal = self.abort.borrow().signal();
        let request = self.locks.request(
            &self.lock,
            &exclusive(&signal),
            granted.as_ref().unchecked_ref(),
        );
        self.callbacks.borrow_mut().push(Box::new(granted));
        let this = Rc::clone(self);
        wasm_bindgen_futures::spawn_local(async move {
            // Settles when the lock is released, or rejects when the request is aborted or the
            // lock stolen: unless stopping, this tab follows and queues again.
            let outcome = wasm_bindgen_futures::JsFuture::from(request).await;
            if !this.stopped.get() {
                if outcome.is_err() {
                    leptos::logging::warn!("data-farm: lost the tab lock; following another tab");
                }
                this.follow_again();
            }
        });
    }

    /// This tab got the lock: connect, resuming from the positions the old leader relayed.
    fn lead(self: &Rc<Self>) {
        if self.stopped.get() {
            self.let_go();
            return;
        }
        let mut config = self.config.clone();
        for (topic, seq) in self.positions.get_untracked().iter() {
            let known = config.resume.get(topic).copied().unwrap_or(0);
            config.resume.insert(topic.to_owned(), known.max(*seq));
        }
        let this = Rc::clone(self);
        let tap: crate::realtime::Tap = Rc::new(move |relayed: Relayed| {
            if let Relayed::State {
                state,
                counters,
                positions,
            } = &relayed
            {
                this.state.set(state.clone());
                this.counters.set(*counters);
                this.positions.set(positions.clone());
            }
            this.post(&Wire::Relay { relayed });
        });
        let handle = crate::realtime::start_tapped(
            &self.farm,
            &self.user_id,
            self.team_ids.clone(),
            config,
            Some(tap),
        );
        *self.leading.borrow_mut() = Some(handle);
        self.role.set(TabRole::Leader);
        #[cfg(feature = "persist")]
        if let Some(persistence) = self.farm.persistence() {
            persistence.set_replaying(true);
        }
        self.reconcile();
    }

    /// Back to following (the lock was lost) and in the queue again.
    fn follow_again(self: &Rc<Self>) {
        self.stop_leading();
        if let Ok(abort) = AbortController::new() {
            *self.abort.borrow_mut() = abort;
        }
        self.request_lock();
    }

    fn stop_leading(&self) {
        if let Some(handle) = self.leading.borrow_mut().take() {
            handle.stop();
        }
        #[cfg(feature = "persist")]
        if let Some(persistence) = self.farm.persistence() {
            persistence.set_replaying(false);
        }
        self.role.set(TabRole::Follower);
    }

    /// Releases the lock if held.
    fn let_go(&self) {
        if let Some(release) = self.release.borrow_mut().take() {
            let _ = release.call0(&JsValue::UNDEFINED);
        }
    }

    fn stop(&self) {
        if self.stopped.replace(true) {
            return;
        }
        self.stop_leading();
        self.let_go();
        #[cfg(feature = "persist")]
        if let Some(persistence) = self.farm.persistence() {
            persistence.on_outbox_change(|| {});
        }
        set_peers(&self.farm, None);
        self.asked.borrow_mut().clear();
        self.abort.borrow().abort();
        self.channel.set_onmessage(None);
        self.channel.close();
        self.state.set(ConnectionState::Stopped);
    }
}
