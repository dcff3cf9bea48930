package io.skydeck.connectors.sandbox;

import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.ProviderSecurityGroup;
import io.skydeck.connectors.spi.ProviderSecurityRule;
import io.skydeck.connectors.spi.ResourceNotFound;
import io.skydeck.connectors.spi.SecurityGroupSpec;
import io.skydeck.connectors.spi.SecurityGroups;
import io.skydeck.connectors.spi.SecurityRule;
import io.skydeck.connectors.spi.SecurityRule.IpFamily;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SandboxSecurityRulesTest {
    private static final String EAST = "sbx-east-1";

    @TempDir
    Path directory;

    @Test
    void aRuleMayNameAnExistingGroupButNotAMissingOne() {
        var groups = SandboxCloud.withDefaultTopology(directory, new MutableClock(Instant.parse("2024-04-01T00:00:00Z")))
                .require(SecurityGroups.class);
        String web = groups.create(new SecurityGroupSpec("web", EAST, "", Optional.empty(), List.of(), Map.of()), IdempotencyToken.of("g-web"))
                .resource().id();
        var fromWeb = SecurityRule.ingressTcpFromGroup(5432, web, IpFamily.IPV6);

        String db = groups.create(new SecurityGroupSpec("db", EAST, "", Optional.empty(), List.of(fromWeb), Map.of()), IdempotencyToken.of("g-db"))
                .resource().id();

        assertThat(groups.get(db).orElseThrow().rules()).extracting(ProviderSecurityRule::rule).containsExactly(fromWeb);
        assertThatThrownBy(() -> groups.addRule(db, SecurityRule.ingressTcpFromGroup(22, "sg-missing", IpFamily.IPV4)))
                .isInstanceOf(ResourceNotFound.class).hasMessageContaining("sg-missing");
    }

    /**
     * State saved before rules had a family and a remote group ({"remoteCidr": "…"} and nothing
     * else) and before groups listed inexpressible rules.
     */
    @Test
    void aRuleSavedBeforeRemoteGroupsAndFamiliesReadsAsItsCidrRule() {
        var state = new SandboxState();
        var rule = SecurityRule.ingressTcp(22, "2001:db8::/32");
        state.securityGroups.put("sg-1", new ProviderSecurityGroup("sg-1", "web", EAST, "", Optional.empty(),
                List.of(new ProviderSecurityRule("sgr-1", rule)), Optional.empty(), Map.of()));
        String current = new String(SandboxJson.write(state), StandardCharsets.UTF_8);
        String saved = current.replace("\"family\":\"IPV6\",", "").replace(",\"remoteGroupId\":null", "")
                .replace("\"inexpressibleRules\":[],", "");
        assertThat(saved).as("the old shape").doesNotContain("inexpressibleRules").contains("{\"direction\":\"INGRESS\",\"portFrom\":22,\"portTo\":22,\"protocol\":\"TCP\",\"remoteCidr\":\"2001:db8::/32\"}");

        var read = SandboxJson.read(saved.getBytes(StandardCharsets.UTF_8));

        assertThat(read.securityGroups.get("sg-1").rules()).containsExactly(new ProviderSecurityRule("sgr-1", rule));
        assertThat(read.securityGroups.get("sg-1").inexpressibleRules()).isEmpty();
    }
}
