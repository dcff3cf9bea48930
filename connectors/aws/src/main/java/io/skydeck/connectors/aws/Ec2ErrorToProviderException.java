package io.skydeck.connectors.aws;

import io.skydeck.connectors.spi.AuthenticationFailed;
import io.skydeck.connectors.spi.ProviderException;
import io.skydeck.connectors.spi.ProviderTimeout;
import io.skydeck.connectors.spi.ProviderUnavailable;
import io.skydeck.connectors.spi.QuotaExceeded;
import io.skydeck.connectors.spi.RequestRejected;
import io.skydeck.connectors.spi.ResourceNotFound;
import io.skydeck.connectors.spi.ResourceType;
import io.skydeck.connectors.spi.Throttled;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkException;

import java.net.SocketTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Turns what the SDK threw into the SPI's closed error hierarchy, keeping EC2's own code and
 * message (operators search AWS's documentation for "VcpuLimitExceeded", not for ours).
 * Codes from the EC2 API reference, "Error codes for the Amazon EC2 API".
 */
final class Ec2ErrorToProviderException {
    private static final Set<String> AUTHENTICATION = Set.of("AuthFailure", "UnauthorizedOperation",
            "InvalidClientTokenId", "SignatureDoesNotMatch", "IncompleteSignature", "MissingAuthenticationToken",
            "OptInRequired", "Blocked");
    private static final Set<String> THROTTLING = Set.of("RequestLimitExceeded", "Throttling", "ThrottlingException",
            "RequestThrottled");
    private static final Set<String> UNAVAILABLE = Set.of("ServiceUnavailable", "Unavailable", "InternalError",
            "InternalFailure", "InsufficientInstanceCapacity", "InsufficientAddressCapacity", "InsufficientCapacity");
    /** The id prefix of EC2's "…ID.NotFound"/"….Malformed" codes, and what they name. */
    private static final Map<String, ResourceType> NOT_FOUND_PREFIXES = Map.ofEntries(
            Map.entry("InvalidInstanceID", ResourceType.SERVER),
            Map.entry("InvalidAMIID", ResourceType.IMAGE),
            Map.entry("InvalidVpcID", ResourceType.NETWORK),
            Map.entry("InvalidSubnetID", ResourceType.SUBNET),
            Map.entry("InvalidSubnet", ResourceType.SUBNET),
            Map.entry("InvalidVpcPeeringConnectionID", ResourceType.NETWORK_PEERING),
            Map.entry("InvalidVpcPeeringConnectionId", ResourceType.NETWORK_PEERING),
            Map.entry("InvalidVpnConnectionID", ResourceType.VPN_CONNECTION),
            Map.entry("InvalidGroup", ResourceType.SECURITY_GROUP),
            Map.entry("InvalidGroupId", ResourceType.SECURITY_GROUP),
            Map.entry("InvalidSecurityGroupRuleId", ResourceType.SECURITY_GROUP_RULE),
            Map.entry("InvalidAllocationID", ResourceType.PUBLIC_IP),
            Map.entry("InvalidAddressID", ResourceType.PUBLIC_IP),
            Map.entry("InvalidAddress", ResourceType.PUBLIC_IP),
            Map.entry("InvalidAssociationID", ResourceType.PUBLIC_IP),
            Map.entry("InvalidInstanceType", ResourceType.FLAVOR),
            Map.entry("InvalidAvailabilityZone", ResourceType.ZONE));

    private Ec2ErrorToProviderException() {
    }

    /**
     * @param named the ids the failed request named, by type, so that "InvalidAMIID.NotFound"
     *              becomes "image ami-123 not found" without parsing EC2's prose
     */
    static ProviderException convert(String provider, SdkException error, Map<ResourceType, String> named) {
        if (error instanceof ApiCallTimeoutException || error instanceof ApiCallAttemptTimeoutException
                || causedBy(error, SocketTimeoutException.class)) {
            return new ProviderTimeout(provider, "EC2 did not answer in time: " + error.getMessage(), null, error);
        }
        if (!(error instanceof AwsServiceException service)) {
            // Connection refused, reset, or an answer the SDK could not read (an HTML error page).
            return new ProviderUnavailable(provider, "EC2 could not be reached or understood: " + error.getMessage(), null, error);
        }
        var details = service.awsErrorDetails();
        String code = details == null ? null : details.errorCode();
        String message = details != null && details.errorMessage() != null ? details.errorMessage() : service.getMessage();
        int status = service.statusCode();
        if (code != null && (AUTHENTICATION.contains(code) || code.startsWith("AuthFailure."))) {
            return new AuthenticationFailed(provider, message, code, error);
        }
        Optional<Duration> retryAfter = retryAfter(service, Clock.systemUTC());
        // A 503 that says when to come back is throttling in all but name (as the OpenStack connector maps
        // it): only Throttled carries Retry-After to a caller that retries itself, the service's runner.
        if (code != null && THROTTLING.contains(code) || status == 429 || status == 503 && retryAfter.isPresent()) {
            return new Throttled(provider, message, retryAfter.orElse(null), code, error);
        }
        if (code != null && code.endsWith("LimitExceeded")) {
            return new QuotaExceeded(provider, message, code, error);
        }
        if (status >= 500 || code != null && UNAVAILABLE.contains(code)) {
            return new ProviderUnavailable(provider, message, code == null ? String.valueOf(status) : code, error);
        }
        Optional<ResourceType> missing = missingResource(code, message);
        if (missing.isPresent()) {
            ResourceType type = missing.get();
            String id = named.getOrDefault(type, named.values().stream().findFirst().orElse("unknown"));
            return new ResourceNotFound(provider, type, id, message, code, error);
        }
        // IdempotentParameterMismatch, IncorrectInstanceState, DependencyViolation and every other 4xx.
        return new RequestRejected(provider, message, code == null ? String.valueOf(status) : code, error);
    }

    /** The pause a 429/503 asked for: seconds or an HTTP date (RFC 9110 §10.2.3). */
    static Optional<Duration> retryAfter(SdkException error, Clock clock) {
        if (!(error instanceof AwsServiceException service) || service.awsErrorDetails() == null
                || service.awsErrorDetails().sdkHttpResponse() == null) {
            return Optional.empty();
        }
        return service.awsErrorDetails().sdkHttpResponse().firstMatchingHeader("Retry-After").flatMap(value -> {
            try {
                return Optional.of(Duration.ofSeconds(Long.parseLong(value.trim())));
            } catch (NumberFormatException notSeconds) {
                try {
                    var at = ZonedDateTime.parse(value.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                    Duration until = Duration.between(clock.instant(), at);
                    return Optional.of(until.isNegative() ? Duration.ZERO : until);
                } catch (DateTimeParseException neither) {
                    return Optional.empty();
                }
            }
        });
    }

    private static Optional<ResourceType> missingResource(String code, String message) {
        if (code == null) {
            return Optional.empty();
        }
        int dot = code.indexOf('.');
        if (dot > 0 && (code.endsWith(".NotFound") || code.endsWith(".Malformed") || code.startsWith("InvalidAMIID."))) {
            return Optional.ofNullable(NOT_FOUND_PREFIXES.get(code.substring(0, dot)));
        }
        // EC2 has no code of its own for an unknown instance type; it says so in an InvalidParameterValue.
        if (code.equals("InvalidParameterValue") && message != null
                && message.toLowerCase(Locale.ROOT).replace(" ", "").contains("instancetype")) {
            return Optional.of(ResourceType.FLAVOR);
        }
        return Optional.empty();
    }

    private static boolean causedBy(Throwable error, Class<? extends Throwable> type) {
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (type.isInstance(cause)) {
                return true;
            }
        }
        return false;
    }
}
