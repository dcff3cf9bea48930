package io.skydeck.connectors.aws;

import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.apache.ApacheHttpClient;

import java.net.URI;
import java.util.Optional;

/**
 * How this connector builds an AWS SDK client, whatever the service (EC2, ELBv2): one region, the
 * configured credentials, the shared HTTP client, the settings' timeouts, and no SDK retries —
 * the gateways retry themselves by the provider's {@link RetryPolicy}, so that the retry budget
 * and throttling map the same way for every service.
 */
final class SdkClients {

    private SdkClients() {
    }

    /** The socket timeout only backs up the SDK's attempt timeout, which is the one we rely on. */
    static SdkHttpClient httpClient(AwsSettings settings) {
        return ApacheHttpClient.builder()
                .connectionTimeout(settings.apiCallAttemptTimeout())
                .socketTimeout(settings.apiCallAttemptTimeout().plusSeconds(1))
                .build();
    }

    static <B extends AwsClientBuilder<B, C> & AwsSyncClientBuilder<B, C>, C> C build(
            B builder, String region, AwsSettings settings, AwsCredentialsProvider credentials, SdkHttpClient http,
            Optional<URI> endpointOverride) {
        builder.region(software.amazon.awssdk.regions.Region.of(region))
                .credentialsProvider(credentials)
                .httpClient(http)
                .overrideConfiguration(o -> o
                        .apiCallTimeout(settings.apiCallTimeout())
                        .apiCallAttemptTimeout(settings.apiCallAttemptTimeout())
                        .retryStrategy(AwsRetryStrategy.doNotRetry()));
        endpointOverride.ifPresent(builder::endpointOverride);
        return builder.build();
    }
}
