package io.skydeck.connectors.aws;

import io.skydeck.connectors.spi.Region;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One configured AWS provider, as the service's typed configuration hands it over.
 *
 * @param name                  Skydeck's name for it ("aws-prod"); errors and handles carry it
 * @param regions               the regions to serve, each with its zones; an empty zone list
 *                              means "ask EC2" (DescribeAvailabilityZones, cached)
 * @param credentials           where the keys are read from; never the keys themselves
 * @param endpointOverride      an EC2 endpoint to use instead of AWS's (tests, a VPC endpoint)
 * @param loadBalancingEndpointOverride an Elastic Load Balancing (v2) endpoint to use instead of
 *                              AWS's; separate from EC2's because a VPC endpoint serves one service
 * @param apiCallTimeout        the whole call, all SDK-internal attempts included
 * @param apiCallAttemptTimeout one HTTP attempt
 * @param retryPolicy           what this connector repeats itself; {@link RetryPolicy#none()}
 *                              when the service's resilience layer does it
 */
public record AwsSettings(String name, List<Region> regions, AwsCredentialsSource credentials,
                          Optional<URI> endpointOverride, Optional<URI> loadBalancingEndpointOverride,
                          Duration apiCallTimeout, Duration apiCallAttemptTimeout, RetryPolicy retryPolicy) {

    public AwsSettings {
        Objects.requireNonNull(name, "name");
        regions = List.copyOf(regions);
        if (regions.isEmpty()) {
            throw new IllegalArgumentException("an AWS provider serves at least one region: " + name);
        }
        Objects.requireNonNull(credentials, "credentials");
        Objects.requireNonNull(endpointOverride, "endpointOverride");
        Objects.requireNonNull(loadBalancingEndpointOverride, "loadBalancingEndpointOverride");
        Objects.requireNonNull(apiCallTimeout, "apiCallTimeout");
        Objects.requireNonNull(apiCallAttemptTimeout, "apiCallAttemptTimeout");
        Objects.requireNonNull(retryPolicy, "retryPolicy");
        if (apiCallAttemptTimeout.compareTo(apiCallTimeout) > 0) {
            throw new IllegalArgumentException("an attempt cannot outlast its call: " + apiCallAttemptTimeout + " > " + apiCallTimeout);
        }
    }

    /**
     * Without a load-balancing endpoint: ELBv2 calls go to AWS's own endpoint of the region even
     * when EC2's is overridden (an EC2 VPC endpoint does not answer ELBv2).
     */
    public AwsSettings(String name, List<Region> regions, AwsCredentialsSource credentials, Optional<URI> endpointOverride,
                       Duration apiCallTimeout, Duration apiCallAttemptTimeout, RetryPolicy retryPolicy) {
        this(name, regions, credentials, endpointOverride, Optional.empty(), apiCallTimeout, apiCallAttemptTimeout, retryPolicy);
    }

    /** AWS's endpoints, 10 s per attempt, 30 s per call, {@link RetryPolicy#standard()}. */
    public static AwsSettings of(String name, List<Region> regions, AwsCredentialsSource credentials) {
        return new AwsSettings(name, regions, credentials, Optional.empty(), Optional.empty(), Duration.ofSeconds(30),
                Duration.ofSeconds(10), RetryPolicy.standard());
    }

    /** One endpoint for every AWS API this connector calls: a test peer, or a gateway that serves them all. */
    public AwsSettings withEndpointOverride(URI endpoint) {
        return new AwsSettings(name, regions, credentials, Optional.of(endpoint), Optional.of(endpoint), apiCallTimeout,
                apiCallAttemptTimeout, retryPolicy);
    }

    public AwsSettings withTimeouts(Duration call, Duration attempt) {
        return new AwsSettings(name, regions, credentials, endpointOverride, loadBalancingEndpointOverride, call, attempt, retryPolicy);
    }

    public AwsSettings withRetryPolicy(RetryPolicy policy) {
        return new AwsSettings(name, regions, credentials, endpointOverride, loadBalancingEndpointOverride, apiCallTimeout,
                apiCallAttemptTimeout, policy);
    }
}
