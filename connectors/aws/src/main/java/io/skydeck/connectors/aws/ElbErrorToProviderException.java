package io.skydeck.connectors.aws;

import io.skydeck.connectors.spi.ProviderException;
import io.skydeck.connectors.spi.ResourceNotFound;
import io.skydeck.connectors.spi.ResourceType;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;

import java.util.Map;

/**
 * Elastic Load Balancing's own error codes, from its API reference ("Errors" of RegisterTargets,
 * DeregisterTargets and DescribeTargetHealth), on top of what {@link Ec2ErrorToProviderException}
 * already maps alike for both services: timeouts, authentication, {@code Throttling}, 5xx.
 *
 * <ul>
 *   <li>{@code TargetGroupNotFound} → {@link ResourceNotFound} of the traffic target (the ARN);
 *   <li>{@code InvalidTarget} ("does not exist, is not in the same VPC as the target group, or
 *       has an unsupported instance type") → {@link ResourceNotFound} of the server: from the
 *       SPI's side the instance is not one this target can know;
 *   <li>{@code HealthUnavailable} (HTTP 500) stays a {@code ProviderUnavailable}.
 * </ul>
 * ELBv2's codes carry no ".NotFound" suffix, so EC2's mapping would call them rejections.
 */
final class ElbErrorToProviderException {

    private ElbErrorToProviderException() {
    }

    static ProviderException convert(String provider, SdkException error, Map<ResourceType, String> named) {
        if (error instanceof AwsServiceException service && service.awsErrorDetails() != null) {
            String code = service.awsErrorDetails().errorCode();
            String message = service.awsErrorDetails().errorMessage() != null
                    ? service.awsErrorDetails().errorMessage() : service.getMessage();
            if ("TargetGroupNotFound".equals(code)) {
                return new ResourceNotFound(provider, ResourceType.TRAFFIC_TARGET,
                        named.getOrDefault(ResourceType.TRAFFIC_TARGET, "unknown"), message, code, error);
            }
            if ("InvalidTarget".equals(code)) {
                return new ResourceNotFound(provider, ResourceType.SERVER, named.getOrDefault(ResourceType.SERVER, "unknown"),
                        message, code, error);
            }
        }
        return Ec2ErrorToProviderException.convert(provider, error, named);
    }
}
