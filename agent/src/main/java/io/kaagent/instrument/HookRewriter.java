package io.kaagent.instrument;

import java.util.List;
import java.util.Set;

import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.ClassWriter;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;

/**
 * The ASM side of {@link HookTransformer}, in a class of its own: the JVM verifying HookTransformer in premain then
 * loads none of ASM's classes (they load on the warm-up thread, or at the first rewrite).
 */
final class HookRewriter {
    private HookRewriter() {
    }

    /** What {@code applied} gets when the class's static initialiser now defines the bridge ({@link BridgeDefiner}). */
    static final String BRIDGE_IN_INITIALISER = "<clinit>/defines the bridge";
    /** Well under the 65,535 bytes a constant string may take in a class file, even at two bytes a char. */
    private static final int MAX_BRIDGE_BYTES = 30000;

    /**
     * @param applied gets {@link HookTransformer#key} of every target whose method was rewritten, and
     *        {@link #BRIDGE_IN_INITIALISER} when the bridge was put into the class's static initialiser
     * @param bridge the bridge's class file, to put into the class's static initialiser if it has one; null: not
     * @return the class with its hooks
     */
    static byte[] rewrite(byte[] classfile, String className, List<HookTarget> targets, Set<String> applied,
            byte[] bridge) {
        ClassReader reader = new ClassReader(classfile);
        // COMPUTE_MAXS only: frames are kept as read (the inserted code needs one F_SAME frame at most), so ASM
        // never has to load classes to merge types — loading JDK classes inside a transform can deadlock.
        ClassWriter writer = new ClassWriter(reader, ClassWriter.COMPUTE_MAXS);
        byte[] carried = bridge != null && bridge.length <= MAX_BRIDGE_BYTES ? bridge : null;
        reader.accept(new HookClassVisitor(writer, className, targets, applied, carried), 0);
        return writer.toByteArray();
    }

    private static final class HookClassVisitor extends ClassVisitor {
        private final String owner;
        private final List<HookTarget> targets;
        private final Set<String> applied;
        private final byte[] bridge;

        HookClassVisitor(ClassVisitor next, String owner, List<HookTarget> targets, Set<String> applied,
                byte[] bridge) {
            super(Opcodes.ASM9, next);
            this.owner = owner;
            this.targets = targets;
            this.applied = applied;
            this.bridge = bridge;
        }

        @Override
        public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                String[] exceptions) {
            MethodVisitor next = super.visitMethod(access, name, descriptor, signature, exceptions);
            if (bridge != null && "<clinit>".equals(name)) {
                applied.add(BRIDGE_IN_INITIALISER);
                return new BridgeDefiner(next, bridge);
            }
            if ((access & (Opcodes.ACC_BRIDGE | Opcodes.ACC_SYNTHETIC | Opcodes.ACC_ABSTRACT)) != 0) {
                return next;
            }
            for (HookTarget target : targets) {
                if (target.matches(owner, name, descriptor)) {
                    applied.add(HookTransformer.key(target));
                    return new HookMethodVisitor(next, target.kind);
                }
            }
            return next;
        }
    }
}
