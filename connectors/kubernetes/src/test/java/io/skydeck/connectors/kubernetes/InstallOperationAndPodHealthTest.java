package io.skydeck.connectors.kubernetes;

import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.skydeck.connectors.spi.InstanceHealth;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class InstallOperationAndPodHealthTest {

    @Test
    void anInstallOperationIdCarriesPodAndImageEvenAnImageWithRegistryPortAndDigest() {
        var operation = new InstallOperation(new PodId("skydeck-acme", "web-7d9f-x2"),
                "registry.local:5000/acme/web@sha256:0123abcd");

        assertThat(operation.format()).isEqualTo("install|skydeck-acme/web-7d9f-x2|registry.local:5000/acme/web@sha256:0123abcd");
        assertThat(InstallOperation.parse(operation.format())).isEqualTo(operation);
        assertThat(InstallOperation.isInstall("deployment/skydeck-acme/web")).isFalse();
        assertThatThrownBy(() -> InstallOperation.parse("install|web|nginx")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> InstallOperation.parse("install|a/b|")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aRuntimesFullImageNameIsTheImageAskedFor() {
        assertThat(PodImageInstalls.sameImage("docker.io/library/nginx:1.27", "nginx:1.27")).isTrue();
        assertThat(PodImageInstalls.sameImage("docker.io/acme/web:2", "acme/web:2")).isTrue();
        assertThat(PodImageInstalls.sameImage("nginx:1.26", "nginx:1.27")).isFalse();
        assertThat(PodImageInstalls.sameImage(null, "nginx:1.27")).isFalse();
    }

    @Test
    void aPodIsHealthyWhenReadyAndOtherwiseSaysWhyNot() {
        var ready = pod("True", null);
        assertThat(PodToInstanceHealth.of(ready)).isEqualTo(InstanceHealth.ok());

        assertThat(PodToInstanceHealth.of(pod("False", "ImagePullBackOff")))
                .isEqualTo(InstanceHealth.failing("pod ns/web-a container main: ImagePullBackOff"));
        assertThat(PodToInstanceHealth.of(pod("False", null)).detail()).isEqualTo("pod ns/web-a is not Ready: ContainersNotReady");
        var terminating = new PodBuilder(ready).editMetadata().withDeletionTimestamp("2025-03-01T10:00:00Z").endMetadata().build();
        assertThat(PodToInstanceHealth.of(terminating)).isEqualTo(InstanceHealth.failing("pod ns/web-a is terminating"));
    }

    private static io.fabric8.kubernetes.api.model.Pod pod(String ready, String waitingReason) {
        var status = new ContainerStatusBuilder().withName("main").withImage("web:1").withReady("True".equals(ready));
        if (waitingReason != null) {
            status.withNewState().withNewWaiting().withReason(waitingReason).endWaiting().endState();
        }
        return new PodBuilder()
                .withNewMetadata().withNamespace("ns").withName("web-a").endMetadata()
                .withNewStatus().withContainerStatuses(status.build())
                .withConditions(new PodConditionBuilder().withType("Ready").withStatus(ready)
                        .withReason("True".equals(ready) ? null : "ContainersNotReady").build())
                .endStatus().build();
    }
}
