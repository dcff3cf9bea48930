package io.skydeck.connectors.aws;

import io.skydeck.connectors.spi.ProviderException;
import io.skydeck.connectors.spi.ResourceNotFound;
import io.skydeck.connectors.spi.ResourceType;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.services.elasticloadbalancingv2.ElasticLoadBalancingV2Client;

import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Every Elastic Load Balancing (v2) call of this connector goes through here, as every EC2 call
 * goes through {@link Ec2Gateway}: one SDK client per configured region, the SDK's retries off,
 * {@link RetryPolicy} deciding, errors converted by {@link ElbErrorToProviderException}.
 *
 * <p>Its own HTTP client rather than EC2's: the two gateways close independently and a slow
 * load balancer API does not hold EC2's connections.
 */
final class ElbGateway implements AutoCloseable {
    private final String provider;
    private final Map<String, ElasticLoadBalancingV2Client> clients = new LinkedHashMap<>();
    private final SdkHttpClient http;
    private final RetryPolicy retryPolicy;
    private final Clock clock;

    ElbGateway(AwsSettings settings, AwsCredentialsProvider credentials, Clock clock) {
        this.provider = settings.name();
        this.retryPolicy = settings.retryPolicy();
        this.clock = clock;
        this.http = SdkClients.httpClient(settings);
        for (var region : settings.regions()) {
            clients.put(region.id(), SdkClients.build(ElasticLoadBalancingV2Client.builder(), region.id(), settings, credentials, http, settings.loadBalancingEndpointOverride()));
        }
    }

    String provider() {
        return provider;
    }

    /**
     * Runs one call in a region, retrying as the policy allows. Every ELBv2 call this connector
     * makes is safe to repeat: registering a registered target or deregistering an absent one
     * changes nothing.
     *
     * @param named the ids the request names, so that "TargetGroupNotFound" names the ARN
     */
    <T> T call(String region, Map<ResourceType, String> named, Function<ElasticLoadBalancingV2Client, T> request) {
        ElasticLoadBalancingV2Client client = clients.get(region);
        if (client == null) {
            throw new ResourceNotFound(provider, ResourceType.REGION, region,
                    "region " + region + " is not configured for provider " + provider);
        }
        for (int attempt = 1; ; attempt++) {
            try {
                return request.apply(client);
            } catch (SdkException error) {
                ProviderException converted = ElbErrorToProviderException.convert(provider, error, named);
                var pause = retryPolicy.pauseAfter(attempt, converted, Ec2ErrorToProviderException.retryAfter(error, clock),
                        true);
                if (pause.isEmpty() || !retryPolicy.pause(pause.get())) {
                    throw converted;
                }
            }
        }
    }

    @Override
    public void close() {
        clients.values().forEach(ElasticLoadBalancingV2Client::close);
        http.close();
    }
}
