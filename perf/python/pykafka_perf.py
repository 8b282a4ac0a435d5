"""PyKafka 2.8.0 side of `ferrokafka-perf compare`: one produce or consume run, printed as JSON.

usage: pykafka_perf.py produce|consume HOSTS TOPIC MESSAGES SIZE [pure|rdkafka] [PARTITIONS]

`rdkafka` runs PyKafka's librdkafka C extension (`use_rdkafka=True`); it must have been compiled (pip install
--no-binary pykafka with librdkafka-dev present).
"""
import json
import sys
import time

from pykafka import KafkaClient


def main():
    mode, hosts, topic_name, n, size = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
    use_rdkafka = len(sys.argv) > 6 and sys.argv[6] == "rdkafka"
    client = KafkaClient(hosts=hosts)  # keep a reference: topics hold the cluster weakly
    topic = client.topics[topic_name]
    if mode == "produce":
        value = bytes(97 + i % 26 for i in range(size))
        producer = topic.get_producer(linger_ms=5, required_acks=1, delivery_reports=False,
                                      max_queued_messages=100000, min_queued_messages=10000,
                                      max_request_size=max(1000012, size + 512), use_rdkafka=use_rdkafka)
        start = time.time()
        for _ in range(n):
            producer.produce(value)
        producer.stop()  # flushes everything queued
        seconds = time.time() - start
        count = n
    else:
        fetch_max = max(1024 * 1024, size + 512)
        queued_max = 2000  # PyKafka's SimpleConsumer default; the librdkafka-backed one defaults to 100000
        if use_rdkafka:
            # PyKafka 2.8's extension predates librdkafka 1.0's checks, which Debian's 2.0.2 applies:
            # receive.message.max.bytes (PyKafka: fetch_message_max_bytes × (partitions + 1)) must be at least
            # fetch.max.bytes (52428800, PyKafka leaves it at librdkafka's default) + 512, and
            # queued.max.messages.kbytes (PyKafka: queued_max_messages × fetch_message_max_bytes / 1024) at
            # most 2097151. So the fetch size grows with that and the prefetch count shrinks to fit.
            partitions = int(sys.argv[7]) if len(sys.argv) > 7 else len(topic.partitions)
            fetch_max = max(fetch_max, -(-(52428800 + 512) // (partitions + 1)))
            queued_max = min(queued_max, 2097151 * 1024 // fetch_max)
        consumer = topic.get_simple_consumer(consumer_timeout_ms=10000, use_rdkafka=use_rdkafka,
                                             queued_max_messages=queued_max,
                                             fetch_message_max_bytes=fetch_max)
        count, start = 0, None
        for _message in consumer:
            if start is None:
                start = time.time()
            count += 1
            if count == n:
                break
        seconds = time.time() - start if start else 0.0
        consumer.stop()
        if count < n:
            sys.exit("topic ran dry after %d of %d messages" % (count, n))
    print(json.dumps({"messages": count, "seconds": seconds}))


if __name__ == "__main__":
    main()
