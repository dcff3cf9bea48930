package io.skydeck.connectors.kubernetes;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.skydeck.connectors.spi.WorkloadKind;

import java.util.List;

/** The SPI's workload kinds and the fabric8 types behind them. */
final class WorkloadKinds {
    /** The order {@code get} tries kinds in: the common ones first. */
    static final List<WorkloadKind> LOOKUP_ORDER = List.of(WorkloadKind.DEPLOYMENT, WorkloadKind.STATEFUL_SET, WorkloadKind.DAEMON_SET);

    private WorkloadKinds() {
    }

    static Class<? extends HasMetadata> type(WorkloadKind kind) {
        return switch (kind) {
            case DEPLOYMENT -> Deployment.class;
            case STATEFUL_SET -> StatefulSet.class;
            case DAEMON_SET -> DaemonSet.class;
        };
    }

    static String labelValue(WorkloadKind kind) {
        return switch (kind) {
            case DEPLOYMENT -> "deployment";
            case STATEFUL_SET -> "statefulset";
            case DAEMON_SET -> "daemonset";
        };
    }

    static WorkloadKind of(HasMetadata object) {
        if (object instanceof Deployment) {
            return WorkloadKind.DEPLOYMENT;
        }
        if (object instanceof StatefulSet) {
            return WorkloadKind.STATEFUL_SET;
        }
        if (object instanceof DaemonSet) {
            return WorkloadKind.DAEMON_SET;
        }
        throw new IllegalArgumentException("not a workload: " + object.getKind());
    }

    static PodTemplateSpec podTemplate(HasMetadata object) {
        if (object instanceof Deployment d) {
            return d.getSpec().getTemplate();
        }
        if (object instanceof StatefulSet s) {
            return s.getSpec().getTemplate();
        }
        if (object instanceof DaemonSet ds) {
            return ds.getSpec().getTemplate();
        }
        throw new IllegalArgumentException("not a workload: " + object.getKind());
    }

    /** The controller's pod selector: which pods are its own. */
    static LabelSelector selector(HasMetadata object) {
        if (object instanceof Deployment d) {
            return d.getSpec().getSelector();
        }
        if (object instanceof StatefulSet s) {
            return s.getSpec().getSelector();
        }
        if (object instanceof DaemonSet ds) {
            return ds.getSpec().getSelector();
        }
        throw new IllegalArgumentException("not a workload: " + object.getKind());
    }
}
