<#
.SYNOPSIS
    Makes one portable copy of the MT5 terminal per slot: <TerminalsDir>\slot-N\terminal64.exe.

.DESCRIPTION
    Each slot drives its own terminal64.exe, started by the worker in portable mode
    (initialize(path, portable=True)), so each copy keeps its own data in its own folder.
    Existing slot folders are kept (their caches stay warm); delete one to rebuild it.

.EXAMPLE
    .\New-KlaroSlots.ps1 -Slots 4 -Master 'C:\Program Files\MetaTrader 5'
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [ValidateRange(1, 1024)] [int] $Slots,
    [Parameter(Mandatory)] [string] $Master,
    [string] $TerminalsDir = 'C:\Klaro\terminals',
    [string] $ServiceUser = 'klaro'
)
$ErrorActionPreference = 'Stop'

if (-not (Test-Path (Join-Path $Master 'terminal64.exe'))) {
    throw "$Master has no terminal64.exe: give the folder of an installed MetaTrader 5 terminal"
}
New-Item -ItemType Directory -Force -Path $TerminalsDir | Out-Null

foreach ($n in 1..$Slots) {
    $slot = Join-Path $TerminalsDir "slot-$n"
    if (Test-Path (Join-Path $slot 'terminal64.exe')) {
        Write-Host "slot ${n}: $slot exists, kept"
        continue
    }
    Copy-Item -Path $Master -Destination $slot -Recurse -Force
    # Start from a clean portable state: no saved accounts or logs copied from the master.
    foreach ($stale in 'Config\accounts.dat', 'logs', 'MQL5\Logs') {
        $path = Join-Path $slot $stale
        if (Test-Path $path) { Remove-Item -Recurse -Force $path }
    }
    Write-Host "slot ${n}: $slot"
}

# The worker's service account runs the terminals: it needs to modify their folders.
$account = "$env:COMPUTERNAME\$ServiceUser"
& icacls.exe $TerminalsDir /grant "${account}:(OI)(CI)M" /T /Q | Out-Null
Write-Host "granted $account modify rights on $TerminalsDir"
