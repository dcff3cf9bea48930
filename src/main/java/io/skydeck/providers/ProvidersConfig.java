package io.skydeck.providers;

import io.smallrye.config.WithDefault;

import java.math.BigDecimal;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code skydeck.providers.*}: the real clouds, any number of each kind, by name — e.g.
 * {@code skydeck.providers.openstack."openstack-fra".identity-url}. Only the <em>place</em> of a
 * secret is configuration (an environment variable's name, a file's path); the secret is read by
 * the connector when it signs or authenticates, so nothing here is worth hiding in a log.
 */
public interface ProvidersConfig {

    Map<String, OpenStack> openstack();

    Map<String, Aws> aws();

    Map<String, Kubernetes> kubernetes();

    CircuitBreakerSettings circuitBreaker();

    /** What every kind shares: the call timeout and how placement sees a cloud that hides its hosts. */
    interface Common {
        /** Every call to the provider gives up after this long (the connector's own read timeout). */
        @WithDefault("30s")
        Duration timeout();

        /**
         * The account's vCPU limit per region (AWS: the "Running On-Demand instances" quota);
         * with it, each zone of a cloud that reports no hosts becomes one virtual host for placement.
         */
        Optional<Integer> maxVcpus();

        /** The memory counterpart of {@link #maxVcpus()}; defaults to 4 GiB per vCPU. */
        Optional<Integer> maxMemoryGib();

        /** Hourly price per flavor ({@code …flavor-prices."t3.micro"=0.0104}); wins over the flat rate. */
        Map<String, BigDecimal> flavorPrices();

        /** A flat hourly price per vCPU for flavors without a price of their own. */
        Optional<BigDecimal> vcpuHourPrice();
    }

    interface OpenStack extends Common {
        /** Keystone v3, e.g. {@code https://keystone.example.com:5000/v3}. */
        String identityUrl();

        String user();

        /** The name of the environment variable holding the password. */
        Optional<String> passwordEnv();

        /** A file holding the password (a mounted secret). */
        Optional<Path> passwordFile();

        @WithDefault("Default")
        String userDomain();

        String project();

        @WithDefault("Default")
        String projectDomain();

        List<String> regions();

        /** External network floating IPs come from when a request names none. */
        Optional<String> floatingIpPool();

        /** Nova's cpu_allocation_ratio, which the hypervisor API does not report. */
        @WithDefault("1.0")
        double cpuAllocationRatio();

        @WithDefault("1.0")
        double ramAllocationRatio();
    }

    interface Aws extends Common {
        List<String> regions();

        /** Zones per region ({@code …zones."us-east-1"=us-east-1a,us-east-1b}); without, EC2 is asked. */
        Map<String, List<String>> zones();

        /** Environment variable holding the access key id (default AWS_ACCESS_KEY_ID when no file is named). */
        Optional<String> accessKeyIdEnv();

        Optional<String> secretAccessKeyEnv();

        Optional<String> sessionTokenEnv();

        /** A secret file in the shared-credentials form ({@code aws_access_key_id=…}). */
        Optional<Path> credentialsFile();

        /** An EC2 endpoint instead of AWS's: a VPC endpoint, or a test peer. */
        Optional<URI> endpointOverride();
    }

    interface Kubernetes extends Common {
        /** What placement calls the cluster. */
        String region();

        Optional<URI> apiServer();

        /** A service account token file; needs {@link #apiServer()}. */
        Optional<Path> tokenFile();

        /** The PEM of the CA that signed the API server's certificate (with a token file). */
        Optional<Path> caFile();

        /** A kubeconfig (its current context), instead of a token file. */
        Optional<Path> kubeconfig();

        @WithDefault("skydeck-")
        String namespacePrefix();

        /**
         * The Gateway API Gateway ({@code namespace/name}) users reach the cluster's Services
         * through; with it, releases split traffic by weight and by header with HTTPRoutes.
         */
        Optional<String> gateway();
    }

    /** {@code skydeck.providers.circuit-breaker.*}: one breaker per provider, these settings for all. */
    interface CircuitBreakerSettings {
        /** Consecutive retryable failures (5xx, throttling, timeouts) that open the circuit. */
        @WithDefault("5")
        int failureThreshold();

        /** How long an open circuit fails calls fast before it lets one trial call through. */
        @WithDefault("30s")
        Duration coolDown();
    }
}
