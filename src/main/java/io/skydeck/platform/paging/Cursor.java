package io.skydeck.platform.paging;

import io.skydeck.platform.problem.ProblemException;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.UUID;

/**
 * An opaque position in a list ordered by (created at, id): the client only hands back what
 * it was given. Versioned so the format can change without breaking cursors in flight.
 */
public record Cursor(Instant createdAt, UUID id) {

    private static final String VERSION = "c1";

    public String encode() {
        String raw = VERSION + "|" + createdAt.getEpochSecond() + "|" + createdAt.getNano() + "|" + id;
        return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
    }

    /** @throws ProblemException 400 when the text is not a cursor this service issued */
    public static Cursor decode(String text) {
        try {
            String[] parts = new String(Base64.getUrlDecoder().decode(text), StandardCharsets.UTF_8).split("\\|");
            if (parts.length != 4 || !VERSION.equals(parts[0])) {
                throw new IllegalArgumentException("unknown cursor format");
            }
            return new Cursor(Instant.ofEpochSecond(Long.parseLong(parts[1]), Long.parseLong(parts[2])),
                    UUID.fromString(parts[3]));
        } catch (RuntimeException e) {
            throw ProblemException.invalid("cursor", "not a cursor returned by this API");
        }
    }
}
