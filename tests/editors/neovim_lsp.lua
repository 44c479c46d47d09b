-- Drives Neovim's built-in LSP client (0.7+) against `stereos-lint lsp`, headless,
-- configured by the README's snippet: opens a file, waits for the diagnostics, asks
-- for a hover, writes both as JSON.  Environment: STEREOS_INIT (the README's Neovim
-- snippet, as a file), STEREOS_FILE (the file to open), STEREOS_HOVER (text whose
-- first occurrence's last character gets the hover), STEREOS_OUT (the JSON file).
local function finish(result)
  local handle = io.open(vim.env.STEREOS_OUT, 'w')
  handle:write(vim.fn.json_encode(result))
  handle:close()
  vim.cmd('qall!')
end

vim.cmd('filetype on')                     -- as any init does; `-u NONE` leaves it off
dofile(vim.env.STEREOS_INIT)
vim.cmd('edit ' .. vim.fn.fnameescape(vim.env.STEREOS_FILE))
local buffer = vim.api.nvim_get_current_buf()

local published = vim.wait(60000, function() return #vim.diagnostic.get(buffer) > 0 end, 50)
local diagnostics = {}
for _, d in ipairs(vim.diagnostic.get(buffer)) do
  local lsp = (d.user_data or {}).lsp or {}
  table.insert(diagnostics, { code = d.code or lsp.code, line = d.lnum + 1, severity = d.severity,
                              source = d.source or lsp.source })
end

local hover, hover_error = nil, nil
for number, text in ipairs(vim.api.nvim_buf_get_lines(buffer, 0, -1, false)) do
  local column = text:find(vim.env.STEREOS_HOVER, 1, true)
  if column then
    local params = { textDocument = { uri = vim.uri_from_bufnr(buffer) },
                     position = { line = number - 1, character = column + #vim.env.STEREOS_HOVER - 2 } }
    local answers = vim.lsp.buf_request_sync(buffer, 'textDocument/hover', params, 30000) or {}
    for _, answer in pairs(answers) do
      if answer.err then hover_error = vim.inspect(answer.err) end
      if answer.result and answer.result.contents then
        hover = answer.result.contents.value or answer.result.contents
      end
    end
    break
  end
end
finish({ published = published, filetype = vim.bo[buffer].filetype, diagnostics = diagnostics,
         hover = hover, hover_error = hover_error })
