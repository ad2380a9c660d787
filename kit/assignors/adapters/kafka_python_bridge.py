"""JSON bridge to kafka-python's assignors (Debian python3-kafka) for groupspec's assignor kit.

Usage: python3 kafka_python_bridge.py range|roundrobin|sticky

Speaks the kit's JSON-lines protocol (kit/assignors/README.md): first a {"ready": version} line, then
for each request line {"members": [{"memberId", "topics", "owned": ["t0-1", ...], "generation"}],
"partitionCounts": {...}} one reply line {"assignment": {memberId: ["t0-1", ...]}} or {"error": "..."}.
The members are passed as kafka-python's ConsumerCoordinator passes them: decoded member metadata,
with the sticky assignor's previous assignment and generation in its user data (StickyAssignorUserDataV1).
"""
import json
import sys

import kafka
from kafka.coordinator.assignors.range import RangePartitionAssignor
from kafka.coordinator.assignors.roundrobin import RoundRobinPartitionAssignor
from kafka.coordinator.assignors.sticky.sticky_assignor import StickyAssignorUserDataV1, StickyPartitionAssignor
from kafka.coordinator.protocol import ConsumerProtocolMemberMetadata

ASSIGNORS = {"range": RangePartitionAssignor, "roundrobin": RoundRobinPartitionAssignor, "sticky": StickyPartitionAssignor}


class Cluster:
    def __init__(self, counts):
        self.counts = counts

    def topics(self, exclude_internal_topics=True):
        return set(self.counts)

    def partitions_for_topic(self, topic):
        count = self.counts.get(topic)
        return None if count is None else set(range(count))


def split(tp):
    topic, _, partition = tp.rpartition("-")
    return topic, int(partition)


def metadata(assignor, member):
    user_data = b""
    if assignor is StickyPartitionAssignor and (member["owned"] or member["generation"] >= 0):
        by_topic = {}
        for tp in member["owned"]:
            topic, partition = split(tp)
            by_topic.setdefault(topic, []).append(partition)
        # Keep the struct in a variable: kafka-python binds encode() through a weak reference.
        data = StickyAssignorUserDataV1(list(by_topic.items()), member["generation"])
        user_data = data.encode()
    return ConsumerProtocolMemberMetadata(assignor.version, list(member["topics"]), user_data)


def answer(assignor, request):
    members = {m["memberId"]: metadata(assignor, m) for m in request["members"]}
    result = assignor.assign(Cluster(request["partitionCounts"]), members)
    assignment = {}
    for member_id, member_assignment in result.items():
        assignment[member_id] = [f"{topic}-{p}" for topic, partitions in member_assignment.assignment for p in partitions]
    return {"assignment": assignment}


def main():
    assignor = ASSIGNORS[sys.argv[1]]
    sys.stdout.write(json.dumps({"ready": kafka.__version__}) + "\n")
    sys.stdout.flush()
    for line in sys.stdin:
        try:
            reply = answer(assignor, json.loads(line))
        except Exception as error:  # the kit reports an assignor that throws; it must not kill the bridge
            reply = {"error": f"{type(error).__name__}: {error}"}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
