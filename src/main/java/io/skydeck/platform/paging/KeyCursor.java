package io.skydeck.platform.paging;

import io.skydeck.platform.problem.ProblemException;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * An opaque position in a list ordered by a text key, for lists held in memory (zones, providers,
 * flavors, a resource's events): the page after it starts at the first key greater than this one.
 * Its own version tag, so a {@link Cursor} handed to such a list (or this to a table's list) is a 400.
 */
public record KeyCursor(String key) {

    private static final String VERSION = "k1";

    public String encode() {
        return Base64.getUrlEncoder().withoutPadding()
                .encodeToString((VERSION + "|" + key).getBytes(StandardCharsets.UTF_8));
    }

    /** @throws ProblemException 400 when the text is not a key cursor this service issued */
    public static KeyCursor decode(String text) {
        try {
            String raw = new String(Base64.getUrlDecoder().decode(text), StandardCharsets.UTF_8);
            if (!raw.startsWith(VERSION + "|")) {
                throw new IllegalArgumentException("unknown cursor format");
            }
            return new KeyCursor(raw.substring(VERSION.length() + 1));
        } catch (RuntimeException e) {
            throw ProblemException.invalid("cursor", "not a cursor returned by this API");
        }
    }
}
