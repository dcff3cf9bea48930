package io.skydeck.providers;

import io.skydeck.connectors.aws.AwsCloud;
import io.skydeck.connectors.aws.AwsCredentialsSource;
import io.skydeck.connectors.aws.AwsSettings;
import io.skydeck.connectors.aws.RetryPolicy;
import io.skydeck.connectors.kubernetes.KubernetesCloud;
import io.skydeck.connectors.kubernetes.KubernetesConfig;
import io.skydeck.connectors.openstack.OpenStackCloud;
import io.skydeck.connectors.openstack.OpenStackConfig;
import io.skydeck.connectors.spi.CloudProvider;
import io.skydeck.connectors.spi.Region;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Turns {@code skydeck.providers.*} into connected clouds. Each connector gets the configured
 * timeout on every call and no retries of its own: the operation runner retries with backoff
 * (honouring Retry-After), and retries at two levels would multiply.
 *
 * <p>A setting that is missing or contradictory fails start-up with a message naming it; a cloud
 * that cannot be reached does not, because the connectors send nothing until the first call.
 */
final class ConfiguredClouds {

    /** OpenStack's connect timeout: a TCP handshake that takes longer than this will not succeed. */
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

    private ConfiguredClouds() {
    }

    static CloudProvider openStack(String name, ProvidersConfig.OpenStack c, Clock clock) {
        String prefix = "skydeck.providers.openstack.\"" + name + "\".";
        OpenStackConfig.PasswordSource password = exactlyOne(prefix + "password-env", c.passwordEnv(),
                prefix + "password-file", c.passwordFile(), OpenStackConfig.PasswordSource::fromEnv,
                OpenStackConfig.PasswordSource::fromFile);
        var timeouts = new OpenStackConfig.Timeouts(min(CONNECT_TIMEOUT, c.timeout()), c.timeout());
        var config = new OpenStackConfig(name, c.identityUrl(), c.user(), password, c.userDomain(), c.project(),
                c.projectDomain(), c.regions(), c.floatingIpPool(),
                new OpenStackConfig.Overcommit(c.cpuAllocationRatio(), c.ramAllocationRatio()), timeouts);
        return OpenStackCloud.connect(config, clock);
    }

    static CloudProvider aws(String name, ProvidersConfig.Aws c, Clock clock) {
        String prefix = "skydeck.providers.aws.\"" + name + "\".";
        boolean namesVariables = c.accessKeyIdEnv().isPresent() || c.secretAccessKeyEnv().isPresent();
        if (namesVariables && c.credentialsFile().isPresent()) {
            throw new IllegalStateException(prefix + "credentials-file and " + prefix
                    + "access-key-id-env/secret-access-key-env name two sources of credentials; keep one");
        }
        AwsCredentialsSource credentials = c.credentialsFile()
                .<AwsCredentialsSource>map(AwsCredentialsSource.SecretFile::new)
                .orElseGet(() -> new AwsCredentialsSource.Environment(c.accessKeyIdEnv().orElse("AWS_ACCESS_KEY_ID"),
                        c.secretAccessKeyEnv().orElse("AWS_SECRET_ACCESS_KEY"), c.sessionTokenEnv()));
        List<Region> regions = c.regions().stream().map(id -> new Region(id, c.zones().getOrDefault(id, List.of()))).toList();
        var settings = new AwsSettings(name, regions, credentials, c.endpointOverride(), c.timeout(), c.timeout(),
                RetryPolicy.none());
        return new AwsCloud(settings, System::getenv, clock);
    }

    static CloudProvider kubernetes(String name, ProvidersConfig.Kubernetes c, Clock clock) {
        String prefix = "skydeck.providers.kubernetes.\"" + name + "\".";
        KubernetesConfig.Credentials credentials = exactlyOne(prefix + "token-file", c.tokenFile(),
                prefix + "kubeconfig", c.kubeconfig(),
                tokenFile -> new KubernetesConfig.BearerToken(read(tokenFile), c.caFile()),
                KubernetesConfig.KubeconfigFile::new);
        Optional<KubernetesConfig.Gateway> gateway;
        try {
            gateway = c.gateway().map(KubernetesConfig.Gateway::parse);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(prefix + "gateway: " + e.getMessage(), e);
        }
        var config = new KubernetesConfig(name, c.region(), c.apiServer(), c.namespacePrefix(), credentials, c.timeout(), gateway);
        // The connector builds its fabric8 client with request retries off and this timeout.
        return KubernetesCloud.connect(config, clock);
    }

    private static <A, B, R> R exactlyOne(String nameA, Optional<A> a, String nameB, Optional<B> b,
                                          java.util.function.Function<A, R> fromA, java.util.function.Function<B, R> fromB) {
        if (a.isPresent() == b.isPresent()) {
            throw new IllegalStateException("set exactly one of " + nameA + " and " + nameB);
        }
        return a.map(fromA).orElseGet(() -> fromB.apply(b.get()));
    }

    private static String read(Path secret) {
        try {
            // Mounted secrets often end in a newline that is not part of the token.
            return Files.readString(secret, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the secret file " + secret, e);
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
