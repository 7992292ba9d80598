<#
.SYNOPSIS
    Stops and removes the klaro-worker-N services. Keeps the key, configuration and terminals.
#>
[CmdletBinding()]
param([string] $Nssm = 'nssm.exe')
$ErrorActionPreference = 'Stop'
foreach ($service in Get-Service -Name 'klaro-worker-*' -ErrorAction SilentlyContinue) {
    Stop-Service -Name $service.Name -ErrorAction SilentlyContinue
    & $Nssm remove $service.Name confirm | Out-Null
    Write-Host "removed $($service.Name)"
}
