"""confluent-kafka-python side of `ferrokafka-perf compare`: one produce or consume run, printed as JSON.

usage: confluent_perf.py produce|consume HOSTS TOPIC MESSAGES SIZE - PARTITIONS

Its fastest documented use: `produce()` without a callback, `poll(0)` to serve reports, `BufferError` means
wait; the consumer assigns every partition from the beginning and reads with `consume(num_messages=1000)`.
"""
import json
import sys
import time

from confluent_kafka import Consumer, Producer, TopicPartition, OFFSET_BEGINNING


def main():
    mode, hosts, topic, n, size = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
    partitions = int(sys.argv[7]) if len(sys.argv) > 7 else 6
    big = max(1000012, size + 512)
    if mode == "produce":
        value = bytes(97 + i % 26 for i in range(size))
        producer = Producer({"bootstrap.servers": hosts, "acks": 1, "linger.ms": 5,
                             "batch.size": min(big, 1048576), "batch.num.messages": 100000,
                             "queue.buffering.max.messages": 1000000, "message.max.bytes": big})
        start = time.time()
        for _ in range(n):
            while True:
                try:
                    producer.produce(topic, value)
                    break
                except BufferError:
                    producer.poll(0.001)
        left = producer.flush(600)
        seconds = time.time() - start
        if left:
            sys.exit("%d messages not delivered" % left)
        count = n
    else:
        consumer = Consumer({"bootstrap.servers": hosts, "group.id": "peer-%d" % time.time_ns(),
                             "enable.auto.commit": False, "fetch.queue.backoff.ms": 10,
                             "fetch.message.max.bytes": max(1048576, big)})
        consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in range(partitions)])
        count, start, idle = 0, None, time.time()
        while count < n:
            batch = consumer.consume(num_messages=1000, timeout=0.1)
            for m in batch:
                if m.error():
                    sys.exit("consume: %s" % m.error())
            if batch:
                if start is None:
                    start = time.time()
                count += len(batch)
                idle = time.time()
            elif time.time() - idle > 10:
                sys.exit("topic ran dry after %d of %d messages" % (count, n))
        seconds = time.time() - start if start else 0.0
        consumer.close()
    print(json.dumps({"messages": count, "seconds": seconds}))


if __name__ == "__main__":
    main()
