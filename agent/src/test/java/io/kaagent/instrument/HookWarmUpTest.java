package io.kaagent.instrument;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The warm-up rewrites its sample with a hook of each kind, which is what makes it load and run ASM's classes. */
class HookWarmUpTest {

    @Test
    void warmUpRewritesTheSampleWithEveryHook() {
        assertTrue(HookInstaller.warmUp(), "the sample got all three hooks");
    }

    @Test
    void theRewrittenSampleCallsTheBridgeFromEachHookedMethod() throws Exception {
        byte[] sample = ClassFileContents.transformSample();
        List<HookTarget> targets = HookTarget.warmUpTargets();
        byte[] rewritten = new HookTransformer(targets, false, false, HookGate.open()).transform(null, targets.get(0).className, null, null, sample);
        assertNotNull(rewritten);
        List<String> calls = new ArrayList<>();
        for (ClassFileContents.Call call : ClassFileContents.calls(rewritten)) {
            if (call.owner().equals(HookMethodVisitor.BRIDGE)) {
                calls.add(call.caller() + "->" + call.method());
            }
        }
        // One call per hooked method: connect's throw is not an exit the hook follows, its one return is.
        assertEquals(List.of("connect->connected", "setKeepAlive->neutralise", "finishConnect->connectedIf"), calls);
    }
}
