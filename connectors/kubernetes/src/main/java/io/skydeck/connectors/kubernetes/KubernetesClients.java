package io.skydeck.connectors.kubernetes;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;

/**
 * Builds a fabric8 client from a {@link KubernetesConfig}, for use outside Quarkus (tools,
 * tests, a plain-Java service). Inside Quarkus the service takes the client that
 * quarkus-kubernetes-client produces and should set the same two things as here.
 */
public final class KubernetesClients {
    private KubernetesClients() {
    }

    public static KubernetesClient fromConfig(KubernetesConfig config) {
        return new KubernetesClientBuilder().withConfig(toFabric8(config)).build();
    }

    static Config toFabric8(KubernetesConfig config) {
        ConfigBuilder builder;
        if (config.credentials() instanceof KubernetesConfig.KubeconfigFile file) {
            builder = new ConfigBuilder(Config.fromKubeconfig(null, file.path().toFile()));
        } else {
            var token = (KubernetesConfig.BearerToken) config.credentials();
            // Config.empty(): never pick up ~/.kube/config, env vars or a mounted service account by accident.
            builder = new ConfigBuilder(Config.empty()).withOauthToken(token.token());
            token.caCertFile().ifPresent(ca -> builder.withCaCertFile(ca.toString()));
        }
        config.apiServerUrl().ifPresent(url -> builder.withMasterUrl(url.toString()));
        int timeoutMillis = Math.toIntExact(config.requestTimeout().toMillis());
        return builder
                // Retries, backoff and circuit breaking belong to the service (see the SPI's package
                // docs); fabric8's own retries would multiply with them and hide 429s and 5xx from it.
                .withRequestRetryBackoffLimit(0)
                .withRequestTimeout(timeoutMillis)
                .withConnectionTimeout(timeoutMillis)
                .build();
    }
}
