package io.skydeck.connectors.openstack;

import java.time.Duration;
import java.time.format.DateTimeFormatter;
import java.time.ZonedDateTime;
import java.time.Clock;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The last error response this thread received from OpenStack: status, Retry-After and the
 * fault's own message, as {@link RecordingHttpExecutor} saw it.
 */
record ErrorResponse(int status, Optional<Duration> retryAfter, String body) {
    private static final ThreadLocal<ErrorResponse> LAST = new ThreadLocal<>();
    // Nova: {"itemNotFound": {"code": 404, "message": "..."}}; Neutron: {"NeutronError": {"type": "...", "message": "..."}}.
    private static final Pattern MESSAGE = Pattern.compile("\"message\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");
    // Octavia (WSME): {"faultcode": "Client", "faultstring": "...", "debuginfo": null}.
    private static final Pattern FAULT_STRING = Pattern.compile("\"faultstring\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");
    private static final Pattern FAULT_NAME = Pattern.compile("^\\s*\\{\\s*\"([A-Za-z]+)\"\\s*:\\s*\\{");
    private static final Pattern NEUTRON_TYPE = Pattern.compile("\"type\"\\s*:\\s*\"([A-Za-z]+)\"");
    private static final Pattern RETRY_AFTER_IN_BODY = Pattern.compile("\"retryAfter\"\\s*:\\s*\"?(\\d+)");

    static void clear() {
        LAST.remove();
    }

    static void record(int status, String retryAfterHeader, String body) {
        LAST.set(new ErrorResponse(status, parseRetryAfter(retryAfterHeader, body, Clock.systemUTC()), body == null ? "" : body));
    }

    static Optional<ErrorResponse> last() {
        return Optional.ofNullable(LAST.get());
    }

    /** The fault's message ("Quota exceeded for instances: …"), if the body has one. */
    Optional<String> message() {
        Matcher matcher = MESSAGE.matcher(body);
        if (matcher.find()) {
            return Optional.of(matcher.group(1).replace("\\\"", "\""));
        }
        Matcher octavia = FAULT_STRING.matcher(body);
        return octavia.find() ? Optional.of(octavia.group(1).replace("\\\"", "\"")) : Optional.empty();
    }

    /** The fault's name: Nova's top-level key ("overLimit", "itemNotFound") or Neutron's type ("OverQuota"). */
    Optional<String> faultName() {
        Matcher neutron = NEUTRON_TYPE.matcher(body);
        if (body.contains("NeutronError") && neutron.find()) {
            return Optional.of(neutron.group(1));
        }
        Matcher nova = FAULT_NAME.matcher(body);
        return nova.find() ? Optional.of(nova.group(1)) : Optional.empty();
    }

    /**
     * Retry-After in seconds or as an HTTP date; Nova's older rate limiter put it in the body's
     * {@code retryAfter} instead.
     */
    static Optional<Duration> parseRetryAfter(String header, String body, Clock clock) {
        if (header != null && !header.isBlank()) {
            String value = header.strip();
            if (value.chars().allMatch(Character::isDigit)) {
                return Optional.of(Duration.ofSeconds(Long.parseLong(value)));
            }
            try {
                ZonedDateTime when = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME);
                Duration wait = Duration.between(clock.instant(), when.toInstant());
                return Optional.of(wait.isNegative() ? Duration.ZERO : wait);
            } catch (RuntimeException unparseable) {
                return Optional.empty();
            }
        }
        if (body != null) {
            Matcher matcher = RETRY_AFTER_IN_BODY.matcher(body);
            if (matcher.find()) {
                return Optional.of(Duration.ofSeconds(Long.parseLong(matcher.group(1))));
            }
        }
        return Optional.empty();
    }
}
