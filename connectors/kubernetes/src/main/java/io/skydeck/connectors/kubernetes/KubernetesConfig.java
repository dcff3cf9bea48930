package io.skydeck.connectors.kubernetes;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * One configured cluster. {@code region} is what Skydeck calls the cluster in placement and in
 * {@link io.skydeck.connectors.spi.Region}; zones come from the nodes' topology labels.
 * Tenant namespaces are {@code namespacePrefix + tenant}, and the connector refuses to touch
 * a namespace without that prefix.
 *
 * <p>{@code gateway}, when set, is the Gateway API Gateway the cluster's users reach Services
 * through: traffic control then splits a Service's traffic by weight and by header with an
 * HTTPRoute attached to it ({@link GatewaySplit}); without it a Service cannot split at all.
 *
 * <p>The credentials never appear in {@link #toString()}: this record is logged at startup.
 */
public record KubernetesConfig(
        String name,
        String region,
        Optional<URI> apiServerUrl,
        String namespacePrefix,
        Credentials credentials,
        Duration requestTimeout,
        Optional<Gateway> gateway) {

    public static final String DEFAULT_NAMESPACE_PREFIX = "skydeck-";
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);

    public KubernetesConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(apiServerUrl, "apiServerUrl");
        Objects.requireNonNull(namespacePrefix, "namespacePrefix");
        Objects.requireNonNull(credentials, "credentials");
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        Objects.requireNonNull(gateway, "gateway");
        if (!namespacePrefix.matches("[a-z0-9]([-a-z0-9]*)?") || namespacePrefix.length() > 40) {
            throw new IllegalArgumentException("a namespace prefix is at most 40 of [a-z0-9-], starting alphanumeric: " + namespacePrefix);
        }
        // A token alone says nothing about where the cluster is; a kubeconfig does.
        if (credentials instanceof BearerToken && apiServerUrl.isEmpty()) {
            throw new IllegalArgumentException("cluster " + name + ": a bearer token needs the API server URL");
        }
        if (requestTimeout.isNegative() || requestTimeout.isZero()) {
            throw new IllegalArgumentException("request timeout must be positive: " + requestTimeout);
        }
    }

    /** A cluster reached with a service-account token, the usual case for a broker. */
    public static KubernetesConfig withToken(String name, String region, URI apiServerUrl, String token) {
        return new KubernetesConfig(name, region, Optional.of(apiServerUrl), DEFAULT_NAMESPACE_PREFIX,
                new BearerToken(token, Optional.empty()), DEFAULT_REQUEST_TIMEOUT, Optional.empty());
    }

    /** A cluster described by a kubeconfig file (its current context). */
    public static KubernetesConfig withKubeconfig(String name, String region, Path kubeconfig) {
        return new KubernetesConfig(name, region, Optional.empty(), DEFAULT_NAMESPACE_PREFIX,
                new KubeconfigFile(kubeconfig), DEFAULT_REQUEST_TIMEOUT, Optional.empty());
    }

    public KubernetesConfig withNamespacePrefix(String prefix) {
        return new KubernetesConfig(name, region, apiServerUrl, prefix, credentials, requestTimeout, gateway);
    }

    /** The same cluster, its Services reached through {@code gateway}. */
    public KubernetesConfig withGateway(Gateway gateway) {
        return new KubernetesConfig(name, region, apiServerUrl, namespacePrefix, credentials, requestTimeout, Optional.of(gateway));
    }

    /**
     * A Gateway API Gateway, {@code namespace/name}: the parent the connector's HTTPRoutes attach
     * to. Its listeners must allow routes from Skydeck's tenant namespaces (allowedRoutes).
     */
    public record Gateway(String namespace, String name) {
        private static final String DNS_LABEL = "[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?";

        public Gateway {
            Objects.requireNonNull(namespace, "namespace");
            Objects.requireNonNull(name, "name");
            if (!namespace.matches(DNS_LABEL) || !name.matches("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?")) {
                throw new IllegalArgumentException("a gateway is namespace/name, both Kubernetes names: " + namespace + "/" + name);
            }
        }

        public static Gateway parse(String text) {
            int slash = text.indexOf('/');
            if (slash < 0 || slash != text.lastIndexOf('/')) {
                throw new IllegalArgumentException("a gateway is namespace/name: " + text);
            }
            return new Gateway(text.substring(0, slash), text.substring(slash + 1));
        }

        @Override
        public String toString() {
            return namespace + "/" + name;
        }
    }

    /** How the connector authenticates. */
    public sealed interface Credentials permits BearerToken, KubeconfigFile {
    }

    /**
     * A bearer token (a service account's), and optionally the PEM file of the CA that signed
     * the API server's certificate; without it the JVM's trust store decides.
     */
    public record BearerToken(String token, Optional<Path> caCertFile) implements Credentials {
        public BearerToken {
            Objects.requireNonNull(token, "token");
            Objects.requireNonNull(caCertFile, "caCertFile");
            if (token.isBlank()) {
                throw new IllegalArgumentException("empty bearer token");
            }
        }

        @Override
        public String toString() {
            return "BearerToken[token=<redacted>, caCertFile=" + caCertFile.map(Path::toString).orElse("<jvm trust store>") + "]";
        }
    }

    /** A kubeconfig file; only its path is kept, the file is read when the client is built. */
    public record KubeconfigFile(Path path) implements Credentials {
        public KubeconfigFile {
            Objects.requireNonNull(path, "path");
        }
    }
}
