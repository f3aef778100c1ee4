package io.vibework.notify.operator.api;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.List;

/**
 * Written only when the outcome changes (reachability, generation, conditions): latency and
 * checkedAt are those measured at that change, so a steady Redis causes no status write however its
 * PING time jitters. The live latency is the metric {@code notify_operator_redis_ping_seconds}.
 */
// Unknown fields are ignored so an older operator can read a newer one's status.
@JsonIgnoreProperties(ignoreUnknown = true)
public record CacheConfigStatus(
    @JsonPropertyDescription("The metadata.generation this status describes.")
        Long observedGeneration,
    @JsonPropertyDescription("Ready, Progressing and Degraded, in the metav1.Condition shape.")
        @SchemaFrom(type = ConditionSchema[].class)
        List<Condition> conditions,
    @JsonPropertyDescription("Whether Redis answered PING.") Boolean reachable,
    @JsonPropertyDescription(
            "PING round trip in milliseconds when reachability last changed; the live figure is the"
                + " metric notify_operator_redis_ping_seconds.")
        Long latencyMillis,
    @JsonPropertyDescription("When reachability last changed (RFC 3339).") String checkedAt) {}
