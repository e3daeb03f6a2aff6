/**
 * Shared by the views' unit tests: let React commit and the virtual list measure
 * (a few macrotasks and animation frames; the graph and attempts views need six).
 */
export async function settle(rounds = 6): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    await new Promise(resolve => setTimeout(resolve, 0));
    await new Promise(resolve => requestAnimationFrame(resolve));
  }
}
