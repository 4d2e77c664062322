// The command tree: help lists every command before loading any, from a table that must match
// the commands themselves; the command a command line runs is found past the global options.
import { describe, expect, it } from 'vitest';
import { buildProgram, commandOf, COMMANDS, kbotVersion } from '../../functions/cli/program.js';

describe('Function: buildProgram', () => {
  it('lists each command with the name and description the loaded command has', async () => {
    // Prepare
    const loaded = (await buildProgram()).commands.map((c) => [c.name(), c.description()]);
    // Act
    const table = COMMANDS.flatMap((e) => e.summaries.map(([name, description]) => [name, description]));
    // Assess
    expect(table).toEqual(loaded);
  });

  it('loads only the command about to run; the others are stand-ins without options', async () => {
    // Act
    const program = await buildProgram('backtest');
    // Assess
    const options = (name: string) => program.commands.find((c) => c.name() === name)!.options.map((o) => o.long);
    expect(options('backtest')).toContain('--data');
    expect(options('paper')).toEqual([]);
  });
});

describe('Function: commandOf', () => {
  it('skips global options and reads `help X` as X', () => {
    expect(commandOf(['node', 'kbot', '--strategies-dir', 'mine', 'backtest', '--json'])).toBe('backtest');
    expect(commandOf(['node', 'kbot', 'help', 'paper'])).toBe('paper');
    expect(commandOf(['node', 'kbot', '--help'])).toBeNull();
    expect(kbotVersion()).toMatch(/^\d+\.\d+\.\d+/);
  });
});
