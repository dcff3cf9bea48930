package io.skydeck.connectors.aws;

import io.skydeck.connectors.spi.IdempotencyToken;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.ResourceType;
import software.amazon.awssdk.services.ec2.model.Tag;
import software.amazon.awssdk.services.ec2.model.TagSpecification;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Skydeck's marks on EC2 resources. Only RunInstances takes a client token; VPCs, subnets,
 * security groups and Elastic IPs carry the token as the tag {@value #TOKEN} instead, written
 * in the create call itself (TagSpecifications), so a resource never exists untagged.
 */
final class Ec2Tags {
    static final String TOKEN = "skydeck:token";
    static final String NAME = "Name";

    private Ec2Tags() {
    }

    /** Name, the caller's tags and, when given, the token — in the create request. */
    static TagSpecification onCreate(ResourceType type, String name, Map<String, String> tags, Optional<IdempotencyToken> token) {
        var all = new ArrayList<Tag>();
        all.add(tag(NAME, name));
        tags.entrySet().stream()
                .filter(entry -> !entry.getKey().equals(NAME) && !entry.getKey().equals(TOKEN))
                .sorted(Map.Entry.comparingByKey())
                .forEach(entry -> all.add(tag(entry.getKey(), entry.getValue())));
        token.ifPresent(value -> all.add(tag(TOKEN, value.value())));
        return TagSpecification.builder().resourceType(type).tags(all).build();
    }

    static Filter tokenFilter(IdempotencyToken token) {
        return Filter.builder().name("tag:" + TOKEN).values(token.value()).build();
    }

    static Filter filter(String name, String value) {
        return Filter.builder().name(name).values(value).build();
    }

    /** The caller's tags: everything but the two Skydeck writes itself. */
    static Map<String, String> userTags(List<Tag> tags) {
        var map = new LinkedHashMap<String, String>();
        tags.stream()
                .filter(tag -> !tag.key().equals(NAME) && !tag.key().equals(TOKEN))
                .forEach(tag -> map.put(tag.key(), tag.value() == null ? "" : tag.value()));
        return map;
    }

    static Optional<String> name(List<Tag> tags) {
        return value(tags, NAME);
    }

    static Optional<IdempotencyToken> token(List<Tag> tags) {
        return value(tags, TOKEN).flatMap(Ec2Tags::asToken);
    }

    /** A token someone else wrote may not be one of ours (console tokens, odd characters). */
    static Optional<IdempotencyToken> asToken(String value) {
        if (value == null || value.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(IdempotencyToken.of(value));
        } catch (IllegalArgumentException notOurs) {
            return Optional.empty();
        }
    }

    static Optional<String> value(List<Tag> tags, String key) {
        return tags.stream().filter(tag -> tag.key().equals(key)).map(Tag::value).findFirst();
    }

    private static Tag tag(String key, String value) {
        return Tag.builder().key(key).value(value).build();
    }
}
