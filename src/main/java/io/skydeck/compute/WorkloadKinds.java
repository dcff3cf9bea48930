package io.skydeck.compute;

import io.skydeck.connectors.spi.WorkloadKind;

/** The API spells workload kinds as Kubernetes does. */
final class WorkloadKinds {

    private WorkloadKinds() {
    }

    static String name(WorkloadKind kind) {
        return switch (kind) {
            case DEPLOYMENT -> "Deployment";
            case STATEFUL_SET -> "StatefulSet";
            case DAEMON_SET -> "DaemonSet";
        };
    }

    static WorkloadKind parse(String name) {
        if (name == null) {
            return WorkloadKind.DEPLOYMENT;
        }
        return switch (name) {
            case "StatefulSet" -> WorkloadKind.STATEFUL_SET;
            case "DaemonSet" -> WorkloadKind.DAEMON_SET;
            default -> WorkloadKind.DEPLOYMENT;
        };
    }
}
