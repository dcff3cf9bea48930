package io.skydeck.network;

import io.skydeck.connectors.spi.ProviderSecurityRule;
import io.skydeck.connectors.spi.SecurityRule;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * What a provider's security group lacks of the wanted rules and holds beyond them, rules the
 * connector could not express included (they can only be removed by hand, so they are reported).
 */
record RuleChanges(List<SecurityRule> missing, List<ProviderSecurityRule> unexpected, List<String> inexpressible) {

    static RuleChanges between(List<SecurityRule> wanted, List<ProviderSecurityRule> actual, List<String> inexpressible) {
        List<SecurityRule> missing = new ArrayList<>(wanted);
        List<ProviderSecurityRule> unexpected = new ArrayList<>();
        for (ProviderSecurityRule held : actual) {
            if (!missing.remove(held.rule())) {
                unexpected.add(held);
            }
        }
        return new RuleChanges(missing, unexpected, List.copyOf(inexpressible));
    }

    boolean none() {
        return missing.isEmpty() && unexpected.isEmpty() && inexpressible.isEmpty();
    }

    /** "missing: ingress tcp 22-22 from 192.0.2.0/24; unexpected: ...", for a drift finding. */
    String describe() {
        List<String> parts = new ArrayList<>();
        if (!missing.isEmpty()) {
            parts.add("missing: " + missing.stream().map(RuleChanges::text).collect(Collectors.joining(", ")));
        }
        if (!unexpected.isEmpty()) {
            parts.add("unexpected: " + unexpected.stream().map(r -> text(r.rule())).collect(Collectors.joining(", ")));
        }
        if (!inexpressible.isEmpty()) {
            parts.add("not expressible here: " + String.join(", ", inexpressible));
        }
        return String.join("; ", parts);
    }

    static String text(SecurityRule rule) {
        String direction = rule.direction().name().toLowerCase();
        String ports = rule.protocol() == SecurityRule.Protocol.TCP || rule.protocol() == SecurityRule.Protocol.UDP
                ? " " + rule.portFrom() + "-" + rule.portTo() : "";
        String peer = rule.remoteCidr().orElseGet(() -> "group " + rule.remoteGroupId().orElseThrow() + " (" + rule.family() + ")");
        return direction + " " + rule.protocol().name().toLowerCase() + ports + (rule.direction() == SecurityRule.Direction.INGRESS
                ? " from " : " to ") + peer;
    }
}
