package io.kaagent.benchmarks;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import io.kaagent.policy.Policy;
import io.kaagent.policy.Rule;

/**
 * What {@link Policy#match} costs on every hooked socket, for policies of 10, 16, 100 and 1,000 rules: a connection
 * the first rule matches, one only the last rule matches, one only the last of the {@code pg-N-?.example.com} rules
 * matches, and one no rule matches. With the index ({@code lookup=index}, what every decision uses once the agent
 * has prepared it) first-match-wins must not turn into a scan of the rules, so all should cost about the same, and
 * stay well under a microsecond. {@code lookup=in-turn}: the rule-by-rule check of the decisions made before the
 * index is built (a JVM's first moments).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class PolicyLookupBenchmark {
    @Param({"10", "16", "100", "1000"})
    int rules;

    @Param({"index", "in-turn"})
    String lookup;

    private Policy policy;
    private GeneratedPolicy.Connection firstRule;
    private GeneratedPolicy.Connection lastRule;
    private GeneratedPolicy.Connection lastGlobRule;
    private GeneratedPolicy.Connection noRule;

    @Setup
    public void setUp() {
        policy = GeneratedPolicy.create(rules);
        if (lookup.equals("index")) {
            policy.prepareIndex();
        }
        firstRule = GeneratedPolicy.connectionFor(0);
        lastRule = GeneratedPolicy.connectionFor(rules - 1);
        int lastGlob = GeneratedPolicy.lastRuleWithQuestionMarkGlob(rules);
        lastGlobRule = GeneratedPolicy.connectionFor(lastGlob);
        noRule = GeneratedPolicy.unknownHttpsConnection();
        expect(firstRule, policy.rules().get(0));
        expect(lastRule, policy.rules().get(rules - 1));
        expect(lastGlobRule, policy.rules().get(lastGlob));
        expect(noRule, null);
        if (policy.indexed() != lookup.equals("index")) {
            throw new IllegalStateException("the policy is not looked up as " + lookup);
        }
    }

    /** A benchmark of the wrong lookup measures nothing: check each connection finds the rule it is meant to. */
    private void expect(GeneratedPolicy.Connection connection, Rule rule) {
        if (connection.matchIn(policy) != rule) {
            throw new IllegalStateException("the generated policy does not match as designed: expected " + rule);
        }
    }

    @Benchmark
    public Rule hitFirstRule() {
        return firstRule.matchIn(policy);
    }

    @Benchmark
    public Rule hitLastRule() {
        return lastRule.matchIn(policy);
    }

    /** The worst case for the host index: every earlier glob rule shares its port and its domain. */
    @Benchmark
    public Rule hitLastGlobRule() {
        return lastGlobRule.matchIn(policy);
    }

    @Benchmark
    public Rule missEveryRule() {
        return noRule.matchIn(policy);
    }
}
