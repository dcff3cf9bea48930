package io.skydeck.connectors.openstack;

import io.skydeck.connectors.spi.IdempotencyToken;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Neutron resources carry plain string tags; Skydeck keeps its idempotency token in one
 * ({@code skydeck-token:<token>}, so that a list filtered on it finds the resource) and its
 * key/value tags as {@code key=value}.
 */
final class NeutronTags {
    static final String TOKEN_PREFIX = "skydeck-token:";

    private NeutronTags() {
    }

    static String tokenTag(IdempotencyToken token) {
        return TOKEN_PREFIX + token.value();
    }

    static List<String> encode(Map<String, String> tags, Optional<IdempotencyToken> token) {
        List<String> encoded = new ArrayList<>();
        token.ifPresent(value -> encoded.add(tokenTag(value)));
        tags.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(entry -> encoded.add(entry.getKey() + "=" + entry.getValue()));
        return encoded;
    }

    static Optional<IdempotencyToken> tokenOf(List<String> tags) {
        return tags.stream().filter(tag -> tag.startsWith(TOKEN_PREFIX)).findFirst()
                .map(tag -> tag.substring(TOKEN_PREFIX.length()))
                .flatMap(NeutronTags::token);
    }

    /** Tags that are not key=value pairs were set by someone else; they keep an empty value. */
    static Map<String, String> keyValuesOf(List<String> tags) {
        Map<String, String> keyValues = new HashMap<>();
        for (String tag : tags) {
            if (tag.startsWith(TOKEN_PREFIX)) {
                continue;
            }
            int equals = tag.indexOf('=');
            if (equals > 0) {
                keyValues.put(tag.substring(0, equals), tag.substring(equals + 1));
            } else {
                keyValues.put(tag, "");
            }
        }
        return keyValues;
    }

    private static Optional<IdempotencyToken> token(String value) {
        try {
            return Optional.of(IdempotencyToken.of(value));
        } catch (IllegalArgumentException notOurs) {
            return Optional.empty();
        }
    }
}
