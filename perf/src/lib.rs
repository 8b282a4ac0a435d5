//! `ferrokafka-perf`: produce/consume benchmarks of one client run, and `compare`, which runs the same
//! workloads with ferrokafka (both engines), Kafka's Java perf tools and PyKafka as child processes.

pub mod await_one;
pub mod children;
pub mod cli;
pub mod clients;
pub mod compare;
pub mod error;
pub mod report;
pub mod run;
pub mod stats;
pub mod usage;
