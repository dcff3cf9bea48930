package io.skydeck.network.policy;

import java.util.List;

/**
 * A security group as a tenant sends it, before validation: every field may be missing or wrong,
 * which is why they are strings and boxed integers. {@link PolicyValidator} turns it into a
 * {@link SecurityGroup} or says what is wrong.
 */
public record SecurityGroupDraft(String name, List<Rule> rules) {

    /** One rule as sent: ports are optional, exactly one of remoteCidr and remoteGroup is expected. */
    public record Rule(String direction, String protocol, Integer portFrom, Integer portTo,
                       String remoteCidr, String remoteGroup) {
    }
}
