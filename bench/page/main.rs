//! The benchmark page's data-farm implementation (see `bench/page/harness.js` for the contract):
//! the library's real store, realtime subscriber and `EntityTable`, fed frame texts through
//! [`Transport::External`] exactly as a WebSocket's `onmessage` would feed them.
//!
//! The page exposes `window.__dataFarmBench = { init(listText), deliver(texts) }` for the
//! shared harness. Not part of the demo bundle: trunk builds it from `bench/page/index.html`.

#[cfg(all(target_arch = "wasm32", feature = "persist"))]
mod persist;

#[cfg(target_arch = "wasm32")]
mod page {
    use data_farm::cache::CachePolicy;
    use data_farm::components::{Column, EntityTable};
    use data_farm::entity::{Entity, FieldValue, StatusFields};
    use data_farm::prelude::*;
    use data_farm::protocol::ListResponse;
    use data_farm::realtime::{start_realtime, RealtimeConfig, RealtimeHandle, Transport};
    use leptos::prelude::*;
    use serde::{Deserialize, Serialize};
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::{JsCast, JsValue};

    /// The benchmark's device: exactly the fields of the bench page contract.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct BenchDevice {
        id: String,
        name: String,
        status: String,
        version: u64,
        team_id: String,
    }

    /// A status event's fields.
    #[derive(Deserialize)]
    struct Status {
        status: String,
    }

    /// Devices are never created or patched from this page.
    #[derive(Debug, Clone, Serialize, Deserialize)]
    pub struct NoChange;

    impl Entity for BenchDevice {
        const KIND: &'static str = "device";
        const PLURAL: &'static str = "devices";
        type Create = NoChange;
        type Patch = NoChange;
        fn id(&self) -> &str {
            &self.id
        }
        fn version(&self) -> u64 {
            self.version
        }
        fn name(&self) -> &str {
            &self.name
        }
        fn team_id(&self) -> Option<&str> {
            Some(&self.team_id)
        }
        fn field(&self, field: &str) -> Option<FieldValue<'_>> {
            match field {
                "status" => Some(FieldValue::Text(&self.status)),
                "version" => Some(FieldValue::Number(self.version)),
                _ => None,
            }
        }
        fn patched(&self, _patch: &NoChange) -> Self {
            self.clone()
        }
        fn with_status(&self, fields: &StatusFields<'_>, version: u64) -> Option<Self> {
            let Status { status } = fields.decode()?;
            Some(BenchDevice {
                status,
                version,
                ..self.clone()
            })
        }
    }

    pub const TEAM: &str = "t1";
    const USER: &str = "bench";

    pub fn query() -> ListQuery {
        ListQuery::new().team(TEAM).unpaged()
    }

    pub fn farm() -> DataFarm {
        farm_with(|config| config)
    }

    /// The benchmark farm, with `extra` applied to its configuration (e.g. persistence).
    pub fn farm_with(extra: impl FnOnce(DataFarmConfig) -> DataFarmConfig) -> DataFarm {
        // Nothing here talks to a server: data stays fresh and nothing refetches.
        let policy = CachePolicy {
            stale_ms: f64::INFINITY,
            refetch_on_focus: false,
            refetch_on_reconnect: false,
            ..CachePolicy::default()
        };
        DataFarm::new(extra(
            DataFarmConfig::new("")
                .policy(policy)
                .register::<BenchDevice>(),
        ))
    }

    /// Subscribes as if resuming at seq 0 on both topics (so `subscribed` triggers no refetch)
    /// and acknowledges the subscription the way a server would.
    pub fn realtime(farm: &DataFarm) -> RealtimeHandle {
        let topics = [format!("user:{USER}"), format!("team:{TEAM}")];
        let config = RealtimeConfig {
            transport: Transport::External,
            resume: topics.iter().map(|t| (t.clone(), 0)).collect(),
            ..RealtimeConfig::default()
        };
        let handle = start_realtime(farm, USER, vec![TEAM.to_owned()], config);
        for topic in topics {
            handle.deliver(&format!(
                r#"{{"type":"subscribed","topic":"{topic}","seq":0}}"#
            ));
        }
        handle
    }

    pub fn table(farm: DataFarm) -> impl IntoView {
        provide_context(farm);
        let columns = vec![
            Column::text("Name", |d: &BenchDevice| d.name.clone()),
            Column::text("Status", |d: &BenchDevice| d.status.clone()),
            Column::text("Version", |d: &BenchDevice| d.version.to_string()),
        ];
        let query = RwSignal::new(query());
        view! { <EntityTable<BenchDevice> label="Devices" columns=columns query=query searchable=false/> }
    }

    /// Sets `window.__dataFarmBench`.
    pub fn install() -> Result<(), JsValue> {
        let window = web_sys::window().ok_or("no window")?;
        let farm = farm();
        let handle = realtime(&farm);
        let init_farm = farm.clone();
        let init = Closure::<dyn Fn(String) -> Result<(), JsValue>>::new(move |text: String| {
            let clock = web_sys::window().and_then(|w| w.performance());
            let now = || clock.as_ref().map_or(0.0, |p| p.now());
            let start = now();
            let page: ListResponse<BenchDevice> = serde_json::from_str(&text)
                .map_err(|e| JsValue::from_str(&format!("bad list: {e}")))?;
            let parsed = now();
            let store = init_farm
                .store::<BenchDevice>()
                .ok_or("device kind not registered")?;
            store.put_list(&query(), page);
            let stored = now();
            let farm = init_farm.clone();
            leptos::mount::mount_to_body(move || table(farm.clone()));
            let mounted = now();
            // Where the time went, for the runner (the harness adds style, layout, paint).
            let phases = js_sys::Object::new();
            for (name, ms) in [
                ("parseMs", parsed - start),
                ("storeMs", stored - parsed),
                ("mountMs", mounted - stored),
            ] {
                js_sys::Reflect::set(&phases, &name.into(), &ms.into())?;
            }
            if let Some(window) = web_sys::window() {
                js_sys::Reflect::set(&window, &"__BENCH_PHASES__".into(), &phases)?;
            }
            Ok(())
        });
        let deliver = Closure::<dyn Fn(js_sys::Array)>::new(move |texts: js_sys::Array| {
            for text in texts.iter() {
                if let Some(text) = text.as_string() {
                    handle.deliver(&text);
                }
            }
        });
        let api = js_sys::Object::new();
        js_sys::Reflect::set(&api, &"init".into(), init.as_ref().unchecked_ref())?;
        js_sys::Reflect::set(&api, &"deliver".into(), deliver.as_ref().unchecked_ref())?;
        js_sys::Reflect::set(&window, &"__dataFarmBench".into(), &api)?;
        // The page lives as long as the closures do.
        init.forget();
        deliver.forget();
        Ok(())
    }
}

fn main() {
    #[cfg(target_arch = "wasm32")]
    {
        console_error_panic_hook::set_once();
        #[cfg(feature = "persist")]
        if persist::requested() {
            persist::run();
            return;
        }
        if let Err(err) = page::install() {
            leptos::logging::error!("data-farm-bench: {err:?}");
        }
    }
    #[cfg(not(target_arch = "wasm32"))]
    eprintln!("data-farm-bench is a browser page: see scripts/bench-browser.sh");
}
