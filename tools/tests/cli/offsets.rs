//! print_offsets at earliest / latest / a UTC time, human and JSON.

use crate::common::{row, run, run_in, topic};

#[test]
fn print_offsets_at_earliest_latest_and_times() {
    let name = topic("cli-offsets", 2);
    run_in(&["produce", &name, "-p", "0"], b"a\nb\nc\nd\ne\n").ok();
    run_in(&["produce", &name, "-p", "1"], b"x\n").ok();

    let text = run(&["print_offsets", &name, "latest"]).ok().text();
    assert_eq!(row(&text, "0"), vec!["0", "5"]);
    assert_eq!(row(&text, "1"), vec!["1", "1"]);
    let json = run(&["print_offsets", &name, "EARLIEST", "--json"])
        .ok()
        .json();
    assert_eq!(json["topic"], name.as_str());
    assert_eq!(
        json["offsets"],
        serde_json::json!([{"partition": 0, "offset": 0}, {"partition": 1, "offset": 0}])
    );

    // A time before every message: the first offset.
    let past = run(&["print_offsets", &name, "2001-01-01T00:00:00", "--json"])
        .ok()
        .json();
    assert_eq!(past["offsets"][0]["offset"], 0);
    // After the last message the broker has no offset; PyKafka raises IndexError, we give the end.
    let future = run(&["print_offsets", &name, "2999-01-01T00:00:00", "--json"])
        .ok()
        .json();
    assert_eq!(future["offsets"][0]["offset"], 5);
    assert_eq!(future["offsets"][1]["offset"], 1);
}
