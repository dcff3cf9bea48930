package io.skydeck.connectors.kubernetes;

import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.skydeck.connectors.spi.WorkloadStatus;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/** Status mapping, one fixture per controller state, as clouddriver's manifest status tests do. */
class ControllerStatusToStateTest {

    @Test
    void stableDeploymentIsAvailableSinceItsAvailableCondition() {
        var state = ControllerStatusToState.of(Fixtures.load("deployment-stable.yaml", Deployment.class));

        assertThat(state.status()).isEqualTo(WorkloadStatus.AVAILABLE);
        assertThat(state.desiredReplicas()).isEqualTo(3);
        assertThat(state.readyReplicas()).isEqualTo(3);
        assertThat(state.availableSince()).contains(Instant.parse("2025-03-01T10:02:30Z"));
    }

    @Test
    void deploymentMidRolloutIsProgressingWithTheCountsInItsDetail() {
        var state = ControllerStatusToState.of(Fixtures.load("deployment-progressing.yaml", Deployment.class));

        assertThat(state.status()).isEqualTo(WorkloadStatus.PROGRESSING);
        assertThat(state.detail()).isEqualTo("2 of 3 replicas updated");
        assertThat(state.readyReplicas()).isEqualTo(1);
    }

    @Test
    void progressDeadlineExceededIsFailedWithTheControllersMessage() {
        var state = ControllerStatusToState.of(Fixtures.load("deployment-deadline-exceeded.yaml", Deployment.class));

        assertThat(state.status()).isEqualTo(WorkloadStatus.FAILED);
        assertThat(state.reason()).contains("ProgressDeadlineExceeded");
        assertThat(state.detail()).isEqualTo("ProgressDeadlineExceeded: ReplicaSet \"web-5d9c7b\" has timed out progressing.");
    }

    @Test
    void replicaFailureFromAQuotaIsFailed() {
        var state = ControllerStatusToState.of(Fixtures.load("deployment-quota-exceeded.yaml", Deployment.class));

        assertThat(state.status()).isEqualTo(WorkloadStatus.FAILED);
        assertThat(state.reason()).contains("FailedCreate");
        assertThat(state.detail()).contains("exceeded quota: skydeck-quota");
    }

    @Test
    void rolledOutDeploymentMissingAReplicaIsDegradedNotProgressing() {
        var state = ControllerStatusToState.of(Fixtures.load("deployment-degraded.yaml", Deployment.class));

        assertThat(state.status()).isEqualTo(WorkloadStatus.DEGRADED);
        assertThat(state.detail()).isEqualTo("2 of 3 replicas available");
    }

    @Test
    void deploymentWhoseNewGenerationTheControllerHasNotSeenIsProgressing() {
        var deployment = Fixtures.load("deployment-stable.yaml", Deployment.class);
        deployment.getMetadata().setGeneration(2L);  // e.g. just scaled: status still describes generation 1

        var state = ControllerStatusToState.of(deployment);

        assertThat(state.status()).isEqualTo(WorkloadStatus.PROGRESSING);
        assertThat(state.detail()).isEqualTo("Waiting for the controller to observe generation 2");
    }

    @Test
    void statefulSetOnTwoRevisionsIsProgressingAlthoughAllReplicasAreReady() {
        var state = ControllerStatusToState.of(Fixtures.load("statefulset-rolling.yaml", StatefulSet.class));

        assertThat(state.status()).isEqualTo(WorkloadStatus.PROGRESSING);
        assertThat(state.detail()).isEqualTo("1 of 3 replicas updated");
        assertThat(state.readyReplicas()).isEqualTo(3);
    }

    @Test
    void daemonSetOnEveryNodeIsAvailableWithOneReplicaPerNode() {
        var state = ControllerStatusToState.of(Fixtures.load("daemonset-stable.yaml", DaemonSet.class));

        assertThat(state.status()).isEqualTo(WorkloadStatus.AVAILABLE);
        assertThat(state.desiredReplicas()).isEqualTo(4);
        assertThat(state.readyReplicas()).isEqualTo(4);
    }
}
