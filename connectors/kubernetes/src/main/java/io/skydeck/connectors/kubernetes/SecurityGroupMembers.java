package io.skydeck.connectors.kubernetes;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Pods belong to a security group by a label, {@code security-group.skydeck.io/<group name>:
 * member}. A group's NetworkPolicy selects its members, and a rule naming a group as its peer
 * selects that group's members — so attaching groups to a workload is putting
 * {@link #labelsFor} into its {@code WorkloadSpec.labels()}, which reach the pod template.
 */
public final class SecurityGroupMembers {
    static final String PREFIX = "security-group.skydeck.io/";
    static final String MEMBER = "member";
    /** Name part of a label key: 63 characters of [A-Za-z0-9._-], alphanumeric at both ends. */
    private static final String LABEL_NAME = "[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?";

    private SecurityGroupMembers() {
    }

    /** The labels that make a workload's pods members of these groups (ids "namespace/name"). */
    public static Map<String, String> labelsFor(Collection<String> groupIds) {
        var labels = new LinkedHashMap<String, String>();
        for (String groupId : groupIds) {
            labels.put(labelKey(nameOf(groupId)), MEMBER);
        }
        return labels;
    }

    static String labelKey(String groupName) {
        if (!groupName.matches(LABEL_NAME)) {
            throw new IllegalArgumentException("security group name " + groupName
                    + " cannot name a label: 63 characters at most of letters, digits, '.', '_' and '-'");
        }
        return PREFIX + groupName;
    }

    static String nameOf(String groupId) {
        int slash = groupId.indexOf('/');
        if (slash <= 0 || slash == groupId.length() - 1) {
            throw new IllegalArgumentException("a Kubernetes security group id is namespace/name: " + groupId);
        }
        return groupId.substring(slash + 1);
    }

    static String namespaceOf(String groupId) {
        nameOf(groupId);
        return groupId.substring(0, groupId.indexOf('/'));
    }
}
