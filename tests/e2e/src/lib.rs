//! End-to-end harness: the reference server serving the built demo (`dist/`), and a headless
//! browser driven over W3C WebDriver, finding elements by role and accessible name. Also drives
//! the browser benchmark page (`bench`).

pub mod axe;
pub mod balancer;
pub mod bench;
pub mod browser;
pub mod demo;
pub mod probe;
pub mod ssr_board;
pub mod webdriver;

pub use balancer::Balancer;
pub use browser::{Browser, Kind};
pub use demo::DemoServer;
pub use webdriver::{Element, Session, WebDriverError};
