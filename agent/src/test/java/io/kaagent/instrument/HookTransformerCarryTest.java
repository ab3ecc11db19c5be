package io.kaagent.instrument;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.ClassWriter;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;

import org.junit.jupiter.api.Test;

/**
 * The launch transformer on JDK 9+ (carriesBridge): a target with a static initialiser is rewritten to bring the
 * bridge and loads without waiting for the agent's preparation, only calling for it; a target without one waits at
 * the gate as before; a retransformation never carries the bridge (it may only change the code of methods).
 */
class HookTransformerCarryTest {
    private static final List<HookTarget> TARGETS = HookTarget.warmUpTargets();
    private static final String SAMPLE = TARGETS.get(0).className;

    @Test
    void aClassWithAnInitialiserLoadsWithoutWaitingAndCallsForThePreparation() throws Exception {
        HookGate gate = new HookGate(60_000);
        HookTransformer transformer = new HookTransformer(TARGETS, false, true, gate);
        long start = System.nanoTime();
        byte[] rewritten = transformer.transform(null, SAMPLE, null, null, withInitialiser(ClassFileContents.transformSample()));
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10), "no waiting for the preparation");
        assertNotNull(rewritten);
        assertTrue(gate.isWanted(), "the preparation is called for");
        assertTrue(ClassFileContents.callTargets(rewritten).contains("jdk/internal/misc/Unsafe.defineClass"), "the bridge is carried");
        assertEquals(TARGETS.size(), transformer.applied().size(), "every hook, nothing else: " + transformer.applied());
        assertEquals(List.of(), new ArrayList<>(transformer.failures()));
    }

    @Test
    void aClassWithoutAnInitialiserWaitsAtTheGate() throws Exception {
        HookGate gate = new HookGate(300); // nobody prepares: the wait ends at its bound
        HookTransformer transformer = new HookTransformer(TARGETS, false, true, gate);
        long start = System.nanoTime();
        byte[] rewritten = transformer.transform(null, SAMPLE, null, null, ClassFileContents.transformSample());
        assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(250), "it waited for the preparation");
        assertNull(rewritten, "never prepared: left as the JDK made it");
        assertFalse(transformer.failures().isEmpty());
    }

    @Test
    void aRetransformationDoesNotCarryTheBridge() throws Exception {
        HookTransformer transformer = new HookTransformer(TARGETS, false, true, HookGate.open());
        byte[] rewritten = transformer.transform(null, SAMPLE, Object.class, null, withInitialiser(ClassFileContents.transformSample()));
        assertNotNull(rewritten);
        assertFalse(ClassFileContents.callTargets(rewritten).contains("jdk/internal/misc/Unsafe.defineClass"));
        assertEquals(TARGETS.size(), transformer.applied().size());
    }

    /** The sample with an empty static initialiser added. */
    private static byte[] withInitialiser(byte[] classfile) {
        ClassWriter writer = new ClassWriter(ClassWriter.COMPUTE_MAXS);
        new ClassReader(classfile).accept(new ClassVisitor(Opcodes.ASM9, writer) {
            @Override
            public void visitEnd() {
                MethodVisitor init = super.visitMethod(Opcodes.ACC_STATIC, "<clinit>", "()V", null, null);
                init.visitCode();
                init.visitInsn(Opcodes.RETURN);
                init.visitMaxs(0, 0);
                init.visitEnd();
                super.visitEnd();
            }
        }, 0);
        return writer.toByteArray();
    }
}
