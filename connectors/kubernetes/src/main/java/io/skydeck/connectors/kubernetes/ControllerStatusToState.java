package io.skydeck.connectors.kubernetes;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetStatus;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatus;
import io.skydeck.connectors.spi.WorkloadStatus;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A controller's status block as a {@link ControllerState}, by the rules {@code kubectl rollout
 * status} applies: the controller must have observed the latest generation, every replica must
 * be updated, no old replica may linger, and every replica must be available.
 *
 * <p>Only a Deployment can fail on its own: its Progressing condition turns False with reason
 * ProgressDeadlineExceeded, or ReplicaFailure turns True (a ResourceQuota refusing its pods).
 * A StatefulSet or DaemonSet that never becomes ready stays PROGRESSING; Kubernetes has no
 * deadline for them, so the caller's operation timeout decides.
 */
final class ControllerStatusToState {
    private ControllerStatusToState() {
    }

    static ControllerState of(HasMetadata workload) {
        if (workload instanceof Deployment d) {
            return deployment(d);
        }
        if (workload instanceof StatefulSet s) {
            return statefulSet(s);
        }
        if (workload instanceof DaemonSet ds) {
            return daemonSet(ds);
        }
        throw new IllegalArgumentException("not a workload: " + workload.getKind());
    }

    static ControllerState deployment(Deployment deployment) {
        int desired = orOne(deployment.getSpec().getReplicas());
        DeploymentStatus status = deployment.getStatus();
        if (status == null) {
            status = new DeploymentStatus();
        }
        int ready = orZero(status.getReadyReplicas());
        long observed = orZero(status.getObservedGeneration());
        var builder = new StateBuilder(desired, ready, observed);
        List<DeploymentCondition> conditions = status.getConditions() == null ? List.of() : status.getConditions();
        var progressing = condition(conditions, "Progressing");
        var available = condition(conditions, "Available");
        var replicaFailure = condition(conditions, "ReplicaFailure");
        builder.availableSince = available.filter(c -> "True".equals(c.getStatus())).flatMap(c -> instant(c.getLastTransitionTime()));

        if (deployment.getMetadata().getDeletionTimestamp() != null) {
            return builder.state(WorkloadStatus.TERMINATING, "Terminating");
        }
        if (progressing.isPresent() && "False".equals(progressing.get().getStatus())
                && "ProgressDeadlineExceeded".equals(progressing.get().getReason())) {
            return builder.failed(progressing.get().getReason(), progressing.get().getMessage());
        }
        if (replicaFailure.isPresent() && "True".equals(replicaFailure.get().getStatus())) {
            return builder.failed(replicaFailure.get().getReason(), replicaFailure.get().getMessage());
        }
        long generation = orZero(deployment.getMetadata().getGeneration());
        if (observed < generation) {
            return builder.state(WorkloadStatus.PROGRESSING, "Waiting for the controller to observe generation " + generation);
        }
        int updated = orZero(status.getUpdatedReplicas());
        int total = orZero(status.getReplicas());
        int availableReplicas = orZero(status.getAvailableReplicas());
        if (updated < desired) {
            return builder.state(WorkloadStatus.PROGRESSING, updated + " of " + desired + " replicas updated");
        }
        if (total > updated) {
            return builder.state(WorkloadStatus.PROGRESSING, (total - updated) + " old replicas pending termination");
        }
        if (availableReplicas < desired) {
            // Once the rollout has finished (NewReplicaSetAvailable) a missing replica is a loss, not progress.
            boolean rolledOut = progressing.map(c -> "NewReplicaSetAvailable".equals(c.getReason())).orElse(false);
            return builder.state(rolledOut ? WorkloadStatus.DEGRADED : WorkloadStatus.PROGRESSING,
                    availableReplicas + " of " + desired + " replicas available");
        }
        return builder.state(WorkloadStatus.AVAILABLE, desired + " of " + desired + " replicas available");
    }

    static ControllerState statefulSet(StatefulSet statefulSet) {
        int desired = orOne(statefulSet.getSpec().getReplicas());
        StatefulSetStatus status = statefulSet.getStatus() == null ? new StatefulSetStatus() : statefulSet.getStatus();
        int ready = orZero(status.getReadyReplicas());
        long observed = orZero(status.getObservedGeneration());
        var builder = new StateBuilder(desired, ready, observed);
        if (statefulSet.getMetadata().getDeletionTimestamp() != null) {
            return builder.state(WorkloadStatus.TERMINATING, "Terminating");
        }
        long generation = orZero(statefulSet.getMetadata().getGeneration());
        if (observed < generation) {
            return builder.state(WorkloadStatus.PROGRESSING, "Waiting for the controller to observe generation " + generation);
        }
        int updated = orZero(status.getUpdatedReplicas());
        if (updated < desired) {
            return builder.state(WorkloadStatus.PROGRESSING, updated + " of " + desired + " replicas updated");
        }
        if (status.getUpdateRevision() != null && !Objects.equals(status.getUpdateRevision(), status.getCurrentRevision())) {
            return builder.state(WorkloadStatus.PROGRESSING, "Rolling out revision " + status.getUpdateRevision());
        }
        if (ready < desired) {
            return builder.state(WorkloadStatus.PROGRESSING, ready + " of " + desired + " replicas ready");
        }
        return builder.state(WorkloadStatus.AVAILABLE, desired + " of " + desired + " replicas ready");
    }

    static ControllerState daemonSet(DaemonSet daemonSet) {
        DaemonSetStatus status = daemonSet.getStatus() == null ? new DaemonSetStatus() : daemonSet.getStatus();
        int desired = orZero(status.getDesiredNumberScheduled());
        int ready = orZero(status.getNumberReady());
        long observed = orZero(status.getObservedGeneration());
        var builder = new StateBuilder(desired, ready, observed);
        if (daemonSet.getMetadata().getDeletionTimestamp() != null) {
            return builder.state(WorkloadStatus.TERMINATING, "Terminating");
        }
        long generation = orZero(daemonSet.getMetadata().getGeneration());
        if (observed < generation || daemonSet.getStatus() == null) {
            return builder.state(WorkloadStatus.PROGRESSING, "Waiting for the controller to observe generation " + generation);
        }
        int updated = orZero(status.getUpdatedNumberScheduled());
        int available = orZero(status.getNumberAvailable());
        if (updated < desired) {
            return builder.state(WorkloadStatus.PROGRESSING, updated + " of " + desired + " nodes updated");
        }
        if (available < desired) {
            return builder.state(WorkloadStatus.PROGRESSING, available + " of " + desired + " nodes available");
        }
        return builder.state(WorkloadStatus.AVAILABLE, desired + " of " + desired + " nodes available");
    }

    private static Optional<DeploymentCondition> condition(List<DeploymentCondition> conditions, String type) {
        return conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
    }

    private static Optional<Instant> instant(String rfc3339) {
        if (rfc3339 == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(Instant.parse(rfc3339));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    private static int orZero(Integer value) {
        return value == null ? 0 : value;
    }

    private static long orZero(Long value) {
        return value == null ? 0 : value;
    }

    /** The API server defaults an absent replicas field to 1. */
    private static int orOne(Integer value) {
        return value == null ? 1 : value;
    }

    private static final class StateBuilder {
        private final int desired;
        private final int ready;
        private final long observed;
        private Optional<Instant> availableSince = Optional.empty();

        StateBuilder(int desired, int ready, long observed) {
            this.desired = desired;
            this.ready = ready;
            this.observed = observed;
        }

        ControllerState state(WorkloadStatus status, String detail) {
            return new ControllerState(status, detail, desired, ready, observed, Optional.empty(), availableSince);
        }

        ControllerState failed(String reason, String message) {
            String detail = reason + ": " + (message == null ? "" : message);
            return new ControllerState(WorkloadStatus.FAILED, detail, desired, ready, observed, Optional.ofNullable(reason), availableSince);
        }
    }
}
