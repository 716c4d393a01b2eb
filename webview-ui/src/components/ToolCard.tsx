// A tool call as a collapsible card: name, input, and the result or error once it is back.
import { useT } from '../i18n';
import { formatInput, type Block } from '../transcript';
import { Icon } from './Icon';

export function ToolCard({ block }: { block: Extract<Block, { kind: 'tool' }> }) {
  const t = useT();
  const failed = block.result?.is_error;
  const state = block.result ? (failed ? 'error' : 'pass') : 'loading';
  return (
    <details class={`tool-card${failed ? ' tool-error' : ''}`}>
      <summary>
        <Icon name={state === 'loading' ? 'loading' : state === 'error' ? 'error' : 'tools'} spin={state === 'loading'} />
        <span class="tool-name">{t('chat.tool', { name: block.name })}</span>
        {!block.result && <span class="tool-pending">{t('chat.toolRunning')}</span>}
      </summary>
      <div class="tool-body">
        <div class="tool-section-title">{t('chat.toolInput')}</div>
        <pre class="tool-input">{formatInput(block.input)}</pre>
        {block.result && (
          <>
            <div class="tool-section-title">{t(failed ? 'chat.toolError' : 'chat.toolResult')}</div>
            <pre class="tool-result">{block.result.text}</pre>
          </>
        )}
      </div>
    </details>
  );
}
