package io.kaagent.instrument;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;

import org.junit.jupiter.api.Test;

/** The warm-up rewrites its sample with a hook of each kind, which is what makes it load and run ASM's classes. */
class HookWarmUpTest {

    @Test
    void warmUpRewritesTheSampleWithEveryHook() {
        assertTrue(HookInstaller.warmUp(), "the sample got all three hooks");
    }

    @Test
    void theRewrittenSampleCallsTheBridgeFromEachHookedMethod() throws Exception {
        byte[] sample;
        try (InputStream in = TransformSample.class.getResourceAsStream("TransformSample.class")) {
            assertNotNull(in);
            sample = in.readAllBytes();
        }
        List<HookTarget> targets = HookTarget.warmUpTargets();
        byte[] rewritten = new HookTransformer(targets, false, false, HookGate.open()).transform(null, targets.get(0).className, null, null, sample);
        assertNotNull(rewritten);
        List<String> calls = new ArrayList<>();
        new ClassReader(rewritten).accept(new ClassVisitor(Opcodes.ASM9) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                    String[] exceptions) {
                return new MethodVisitor(Opcodes.ASM9) {
                    @Override
                    public void visitMethodInsn(int opcode, String owner, String method, String desc, boolean itf) {
                        if (owner.equals(HookMethodVisitor.BRIDGE)) {
                            calls.add(name + "->" + method);
                        }
                    }
                };
            }
        }, 0);
        // One call per hooked method: connect's throw is not an exit the hook follows, its one return is.
        assertEquals(List.of("connect->connected", "setKeepAlive->neutralise", "finishConnect->connectedIf"), calls);
    }
}
