"""A PyKafka 2.8.0 balanced consumer for the mixed-group tests: the ManagedBalancedConsumer, or with a
ZooKeeper host string the ZooKeeper-coordinated BalancedConsumer (managed=False).

Usage: pykafka_group_member.py HOSTS TOPIC GROUP range|roundrobin [ZOOKEEPER]
Prints one JSON line [partition, offset, value] per message; stops (leaving the group) when stdin closes.
PyKafka's own log records at WARNING and above go to stderr, one line each.
"""
import json
import logging
import sys
import threading

from pykafka import KafkaClient
from pykafka.common import OffsetType
from pykafka.membershipprotocol import RangeProtocol, RoundRobinProtocol


def main():
    hosts, topic, group, protocol = sys.argv[1:5]
    zookeeper = sys.argv[5] if len(sys.argv) > 5 else None
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr,
                        format="%(levelname)s %(name)s: %(message)s")
    client = KafkaClient(hosts=hosts)
    if zookeeper is None:
        coordination = dict(managed=True, heartbeat_interval_ms=300)
    else:
        # Short backoffs with more attempts, as the ferrokafka members of these tests use.
        coordination = dict(managed=False, zookeeper_connect=zookeeper,
                            rebalance_backoff_ms=500, rebalance_max_retries=10)
    consumer = client.topics[topic].get_balanced_consumer(
        consumer_group=group.encode(),
        membership_protocol={"range": RangeProtocol, "roundrobin": RoundRobinProtocol}[protocol],
        auto_offset_reset=OffsetType.EARLIEST,
        consumer_timeout_ms=200,
        auto_commit_enable=True,
        auto_commit_interval_ms=200,
        **coordination
    )
    stop = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    while not stop.is_set():
        message = consumer.consume(block=True)
        if message is not None:
            print(json.dumps([message.partition_id, message.offset, message.value.decode()]), flush=True)
    consumer.stop()


if __name__ == "__main__":
    main()
