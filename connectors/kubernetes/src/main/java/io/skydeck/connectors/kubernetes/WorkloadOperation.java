package io.skydeck.connectors.kubernetes;

import io.skydeck.connectors.spi.WorkloadKind;

import java.util.Objects;

/**
 * What an operation id on a workload says: which object it acts on. Kubernetes has no
 * operation objects; the handle's kind plus the object's status is all a poll needs, also
 * after a restart: "deployment/skydeck-acme/web". The kind is in the id so that a poll reads
 * one object instead of trying all three kinds.
 */
record WorkloadOperation(WorkloadKind kind, String namespace, String name) {
    WorkloadOperation {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(name, "name");
    }

    String format() {
        return WorkloadKinds.labelValue(kind) + "/" + namespace + "/" + name;
    }

    /** @throws IllegalArgumentException for an id this connector did not write */
    static WorkloadOperation parse(String operationId) {
        String[] parts = operationId.split("/");
        if (parts.length != 3) {
            throw new IllegalArgumentException("not a Kubernetes workload operation: " + operationId);
        }
        WorkloadKind kind = WorkloadKinds.LOOKUP_ORDER.stream().filter(k -> WorkloadKinds.labelValue(k).equals(parts[0]))
                .findFirst().orElseThrow(() -> new IllegalArgumentException("not a workload kind: " + parts[0]));
        return new WorkloadOperation(kind, parts[1], parts[2]);
    }
}
