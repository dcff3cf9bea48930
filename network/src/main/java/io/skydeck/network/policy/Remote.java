package io.skydeck.network.policy;

import io.skydeck.network.address.Cidr;

import java.util.Objects;

/**
 * The other side a rule allows: a range of addresses, or the members of a security group (which
 * follows them as they come and go, so a tenant need not list their addresses).
 */
public sealed interface Remote {

    record Range(Cidr cidr) implements Remote {
        public Range {
            Objects.requireNonNull(cidr, "cidr");
        }

        @Override
        public String toString() {
            return cidr.toString();
        }
    }

    record Group(String groupId) implements Remote {
        public Group {
            Objects.requireNonNull(groupId, "groupId");
        }

        @Override
        public String toString() {
            return "group " + groupId;
        }
    }
}
